import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1=` per secret, in the order given (the current
 * secret first while a rotated-out one is still in its grace period).
 */
export function webhookSignature(secrets: string | readonly string[], body: string, unixSeconds: number): string {
  const macs = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => `v1=${hmac(secret, unixSeconds, body)}`);
  return [`t=${unixSeconds}`, ...macs].join(',');
}

function hmac(secret: string, t: string | number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

export interface VerifyWebhookSignatureOptions {
  /** How far `t` may lie from now, either way (default 300). */
  toleranceSeconds?: number;
  /** The receiver's current time (default: the system clock). */
  now?: Date;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * For webhook receivers: true when `header` (X-Webhook-Signature) signs `rawBody` (the request body exactly as
 * received, before any JSON parsing) with `secret` (or with any of `secret`, a list, while a receiver rolls its
 * own copy over) and its `t` lies within the tolerance of now. Several `v1=` values are accepted: one matching is
 * enough. Comparisons take constant time.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string,
  secret: string | readonly string[],
  options: VerifyWebhookSignatureOptions = {},
): boolean {
  if (typeof header !== 'string') return false;
  let t: string | undefined;
  const given: Buffer[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') t ??= value;
    else if (key === 'v1' && HEX_SHA256.test(value)) given.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || !/^\d{1,12}$/.test(t) || given.length === 0) return false;
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (!(Math.abs(nowSeconds - Number(t)) <= tolerance)) return false;
  const secrets = (typeof secret === 'string' ? [secret] : secret).filter((s) => typeof s === 'string' && s.length > 0);
  let valid = false;
  for (const s of secrets) {
    const expected = Buffer.from(hmac(s, t, rawBody), 'hex');
    // Every pair is compared, so the time taken does not tell which one matched.
    for (const g of given) valid = timingSafeEqual(g, expected) || valid;
  }
  return valid;
}
