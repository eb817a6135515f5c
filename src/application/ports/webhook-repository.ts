import { BookingEventType } from '../../domain/booking';
import { Webhook } from '../../domain/webhook';

export interface NewWebhook {
  url: string;
  events: BookingEventType[];
  secret: string;
  createdAt: number;
}

export interface WebhookRepository {
  /** Stores a webhook that receives the events committed from now on (ids above the newest event id). */
  create(webhook: NewWebhook): Promise<Webhook>;
  /** The webhook, or null when there is none or it was deleted. */
  getById(id: number): Promise<Webhook | null>;
  /** Every webhook not deleted, in id order. */
  list(): Promise<Webhook[]>;
  /**
   * Makes `secret` the webhook's secret and keeps the one it replaces as the previous secret until
   * `previousExpiresAt` (a previous secret from an earlier rotation is dropped); null when there is no such webhook.
   */
  rotateSecret(id: number, secret: string, previousExpiresAt: number): Promise<Webhook | null>;
  /** Deletes the webhook and drops its undelivered items; false when there is none or it was deleted already. */
  delete(id: number, at: number): Promise<boolean>;
}
