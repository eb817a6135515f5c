import { BOOKING_EVENT_TYPES, BookingEventType } from './booking';
import { ValidationError } from './errors';

export interface Webhook {
  id: number;
  url: string;
  events: BookingEventType[];
  /** Signs every request (HMAC-SHA256); shown to the caller once, at creation. */
  secret: string;
  createdAt: number;
  /** The webhook receives events with ids above this one: those committed after it was registered. */
  startAfterEventId: number;
  /** The secret replaced by the last rotation, which still signs requests (beside `secret`) until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
}

/** After a rotation, requests are signed with the old secret too for this long, so receivers can switch without losing an event. */
export const WEBHOOK_SECRET_GRACE_MS = 24 * 3_600_000;

/** The secrets that sign a request sent at `now`: the current one first, then the previous one while in its grace period. */
export function signingSecrets(webhook: Pick<Webhook, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, now: number): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = webhook;
  return previousSecret !== null && previousSecretExpiresAt !== null && now < previousSecretExpiresAt && previousSecret !== secret
    ? [secret, previousSecret]
    : [secret];
}

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** Checks the shape of a webhook target: an absolute http(s) URL without credentials. */
export function assertWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('url must be an absolute http or https URL', { field: 'url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError('url must use http or https', { field: 'url' });
  }
  if (url.length > WEBHOOK_URL_MAX_LENGTH) {
    throw new ValidationError(`url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`, { field: 'url' });
  }
  if (parsed.username || parsed.password) throw new ValidationError('url must not carry credentials', { field: 'url' });
  return parsed;
}

/** A non-empty list of known event types, duplicates dropped, in the order given. */
export function validateEventTypes(events: string[]): BookingEventType[] {
  if (events.length === 0) throw new ValidationError('events must name at least one event type', { field: 'events' });
  const unknown = events.filter((e) => !BOOKING_EVENT_TYPES.includes(e as BookingEventType));
  if (unknown.length) {
    throw new ValidationError(`Unknown event type: ${unknown.join(', ')} (known: ${BOOKING_EVENT_TYPES.join(', ')})`, {
      field: 'events',
      unknown,
    });
  }
  return [...new Set(events)] as BookingEventType[];
}

export function assertWebhookSecret(secret: string): string {
  if (secret.length < 16 || secret.length > 256) {
    throw new ValidationError('secret must be 16 to 256 characters', { field: 'secret' });
  }
  return secret;
}

export function webhookWants(webhook: Pick<Webhook, 'events' | 'startAfterEventId'>, eventId: number, type: BookingEventType): boolean {
  return eventId > webhook.startAfterEventId && webhook.events.includes(type);
}
