import { createHmac } from 'node:crypto';
import { Clock } from '../../application/ports/clock';
import { WebhookRequest, WebhookResult, WebhookSender } from '../../application/ports/webhook-sender';
import { WebhookUrlPolicy } from '../../application/ports/webhook-url-policy';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as receivers verify it. */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's errors may come from another realm, where `instanceof Error` is false.
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `No answer within ${timeoutMs / 1000} s`;
  if (e.cause?.code) return `Connection failed: ${e.cause.code}`;
  if (e.cause?.message) return `Connection failed: ${e.cause.message}`;
  return e.message ?? String(error);
}

/**
 * Posts signed events with Node's fetch. A 2xx answer within the timeout is a delivery; anything else (another
 * status, a redirect, a refused target, a network error, a timeout) is reported as a failed attempt.
 */
export class FetchWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: WebhookUrlPolicy,
    private readonly clock: Clock,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(request: WebhookRequest): Promise<WebhookResult> {
    try {
      await this.policy.assertAllowed(request.url);
    } catch (error) {
      return { delivered: false, statusCode: null, error: `Refused: ${(error as { message?: string }).message ?? String(error)}` };
    }
    const signature = webhookSignature(request.secret, request.body, Math.floor(this.clock.now() / 1000));
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'booking-service-webhooks/1',
          'x-webhook-event-id': String(request.eventId),
          'x-webhook-signature': signature,
        },
        body: request.body,
        // A redirect could lead anywhere, private networks included: it is an answer, not a delivery.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      const delivered = response.status >= 200 && response.status < 300;
      return { delivered, statusCode: response.status, error: delivered ? null : `HTTP ${response.status}` };
    } catch (error) {
      return { delivered: false, statusCode: null, error: describeFailure(error, this.timeoutMs) };
    }
  }
}
