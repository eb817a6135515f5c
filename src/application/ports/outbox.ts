import { BookingEvent } from './booking-event-log';
import { Webhook } from '../../domain/webhook';

export type OutboxChannel = 'webhook' | 'email';
export type OutboxStatus = 'pending' | 'delivered' | 'failed' | 'discarded';
/** `former_provider`: a provider a reschedule took off the booking, told that it no longer has it. */
export type RecipientRole = 'provider' | 'customer' | 'former_provider';

/** One message to send for one event: to one webhook, or to one email recipient. */
export type NewOutboxItem =
  | { channel: 'webhook'; eventId: number; webhookId: number }
  | { channel: 'email'; eventId: number; recipient: string; role: RecipientRole };

export type OutboxItem = NewOutboxItem & {
  id: number;
  /** Attempts made so far. */
  attempts: number;
  firstAttemptAt: number | null;
  /** The claim that must be presented to record the attempt. */
  claim: string;
  event: BookingEvent;
};

/** An item as `enqueue` added it, with the claim it holds (null when added unclaimed). */
export type EnqueuedItem = NewOutboxItem & { id: number; claim: string | null };

export interface AttemptRecord {
  at: number;
  statusCode: number | null;
  error: string | null;
  delivered: boolean;
  /** When to try again; null after a delivery or when giving up. */
  nextAttemptAt: number | null;
}

export interface DeliveryAttempt {
  eventId: number;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  at: number;
  nextAttemptAt: number | null;
}

/** How many items were not sent on purpose, by channel and reason. */
export interface DiscardedCount {
  channel: OutboxChannel;
  reason: string;
  count: number;
}

export interface OutboxStats {
  /** The backlog: not delivered yet, retries included. */
  pending: number;
  /** The part of the backlog that failed at least once and waits for a retry. */
  retrying: number;
  /** Given up on after the retry period. */
  failed: number;
}

/** The fan-out step, bound to one transaction that holds the fan-out cursor. */
export interface OutboxFanOut {
  /** Up to `limit` events past the cursor, in id (= commit) order. */
  nextEvents(limit: number): Promise<BookingEvent[]>;
  /** Webhooks not deleted, as of this transaction. */
  webhooks(): Promise<Webhook[]>;
  /** The providers' email addresses, by provider id. */
  providerEmails(providerIds: number[]): Promise<Map<number, string>>;
  /** Every occurrence of each series (its booking id and providers), by series id, in booking id order. */
  seriesOccurrences(seriesIds: number[]): Promise<Map<number, { id: number; providerIds: number[] }[]>>;
  /**
   * Adds items due at `now`; an item already present for the same event and target is ignored. Returns the items
   * added, in order. With `claimedUntil`, each item added is claimed as it is written, until then: the caller can
   * send it without claiming it again, and if the caller dies first it is due again when the claim runs out.
   */
  enqueue(items: NewOutboxItem[], now: number, claimedUntil?: number): Promise<EnqueuedItem[]>;
  /** Records items that will not be sent (status `discarded`, with `reason`); one already present is left alone. */
  discard(items: NewOutboxItem[], now: number, reason: string): Promise<void>;
  /**
   * Emails in `role` to each address (compared without case) enqueued at or after `since` and not discarded, keyed
   * by the lower-cased address. Counts every instance's items: the fan-out cursor serialises fan-outs.
   */
  mailCountsSince(role: RecipientRole, addresses: string[], since: number): Promise<Map<string, number>>;
  /** Moves the cursor past `eventId`. */
  advance(eventId: number): Promise<void>;
}

export interface Outbox {
  /**
   * Runs `work` in one transaction holding the fan-out cursor exclusively. Returns null without running it when
   * another instance holds the cursor right now.
   */
  fanOut<T>(work: (tx: OutboxFanOut) => Promise<T>): Promise<T | null>;
  /** True when events past the fan-out cursor wait: a plain read that takes no lock. */
  hasEventsToFanOut(): Promise<boolean>;
  /**
   * Claims up to `limit` pending items due at `now` (of `channel` only, when given) for `leaseMs`: no other
   * claimer gets them until the lease runs out (a claimer that died is replaced then). Safe across instances.
   */
  claimDue(now: number, limit: number, leaseMs: number, channel?: OutboxChannel): Promise<OutboxItem[]>;
  /** Records an attempt on a claimed item; false (and nothing written) when the claim was lost to another claimer. */
  recordAttempt(item: OutboxItem, record: AttemptRecord): Promise<boolean>;
  /** A webhook's attempts, newest first. */
  attemptsOf(webhookId: number, limit: number): Promise<DeliveryAttempt[]>;
  stats(): Promise<OutboxStats>;
  /** Items not sent on purpose (a deleted webhook, an email over the per-recipient limit), by channel and reason. */
  discarded(): Promise<DiscardedCount[]>;
}
