import { Agent as HttpAgent, IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Clock } from '../../application/ports/clock';
import { WebhookRequest, WebhookResult, WebhookSender } from '../../application/ports/webhook-sender';
import { VettedWebhookTarget, WebhookUrlPolicy } from '../../application/ports/webhook-url-policy';
import { webhookSignature } from './webhook-signature';

export interface WebhookSenderOptions {
  /** How long a receiver has to answer (the status line and headers). */
  timeoutMs?: number;
  /** The connection pools to use instead of Node's global ones. */
  agents?: { http?: HttpAgent; https?: HttpsAgent };
}

class NoAnswerInTime extends Error {}

/**
 * What the deliveries list shows of a failure: the kind of failure only. A driver's message can name the
 * address it tried, which would turn the list into a map of the network behind the service.
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof NoAnswerInTime) return `No answer within ${timeoutMs / 1000} s`;
  const code = (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined) ?? null;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `Connection failed: ${code}` : 'Connection failed';
}

/**
 * Posts signed events over HTTP(S). The URL policy is asked first, and the request connects to an address it
 * checked (the URL's host still in `Host` and, for https, as the TLS server name the certificate must match), so
 * the name is never resolved a second time. A 2xx answer within the timeout is a delivery; anything else (another
 * status, a redirect, a refused target, a network error, a timeout) is reported as a failed attempt.
 */
export class FetchWebhookSender implements WebhookSender {
  private readonly timeoutMs: number;

  constructor(
    private readonly policy: WebhookUrlPolicy,
    private readonly clock: Clock,
    private readonly options: WebhookSenderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(request: WebhookRequest): Promise<WebhookResult> {
    let target: VettedWebhookTarget;
    try {
      target = await this.policy.assertAllowed(request.url);
    } catch (error) {
      return { delivered: false, statusCode: null, error: `Refused: ${(error as { message?: string }).message ?? 'the target is not allowed'}` };
    }
    const signature = webhookSignature(request.secrets, request.body, Math.floor(this.clock.now() / 1000));
    try {
      const status = await this.post(target, request, signature);
      const delivered = status >= 200 && status < 300;
      // A redirect could lead anywhere, private networks included: it is an answer, not a delivery.
      return { delivered, statusCode: status, error: delivered ? null : `HTTP ${status}` };
    } catch (error) {
      return { delivered: false, statusCode: null, error: describeFailure(error, this.timeoutMs) };
    }
  }

  /** One POST to the vetted target; resolves with the status once the headers are in, within the timeout. */
  private post(target: VettedWebhookTarget, request: WebhookRequest, signature: string): Promise<number> {
    const { url, addresses } = target;
    const https = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const options: RequestOptions & { servername?: string } = {
      method: 'POST',
      host: addresses ? addresses[0] : hostname,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers: {
        host: url.host,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(request.body),
        'user-agent': 'booking-service-webhooks/1',
        'x-webhook-event-id': String(request.eventId),
        'x-webhook-signature': signature,
      },
      agent: https ? this.options.agents?.https : this.options.agents?.http,
    };
    // Server Name Indication carries names only; an address in the URL is matched against the certificate as is.
    if (https && !isIP(hostname)) options.servername = hostname;
    return new Promise<number>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
        clearTimeout(timer);
        // The body is not read: only the status counts, and a receiver could stream without end.
        res.destroy();
        resolve(res.statusCode ?? 0);
      });
      const timer = setTimeout(() => req.destroy(new NoAnswerInTime()), this.timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(request.body);
    });
  }
}
