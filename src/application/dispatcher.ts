import { BookingEventType } from '../domain/booking';
import { DEFAULT_DELIVERY_SCHEDULE, DeliverySchedule, nextAttemptAfterFailure } from '../domain/delivery-schedule';
import { isoUtc } from './views';
import { Provider } from '../domain/provider';
import { webhookWants } from '../domain/webhook';
import { BookingEvent } from './ports/booking-event-log';
import { Clock } from './ports/clock';
import { Logger } from './ports/logger';
import { Mailer } from './ports/mailer';
import { AttemptRecord, NewOutboxItem, Outbox, OutboxFanOut, OutboxItem } from './ports/outbox';
import { ProviderRepository } from './ports/provider-repository';
import { WebhookRepository } from './ports/webhook-repository';
import { WebhookSender } from './ports/webhook-sender';

/** The event types that send email to the provider and the customer. */
export const MAILED_EVENT_TYPES: readonly BookingEventType[] = ['booking.created', 'booking.rescheduled', 'booking.cancelled'];

export interface DispatcherOptions {
  schedule?: DeliverySchedule;
  /** Events fanned out, and items claimed, per step. */
  batchSize?: number;
  /** How long a claim keeps other instances off an item; longer than any single send. */
  leaseMs?: number;
  /** Pause between passes when started. */
  pollIntervalMs?: number;
  /** Sends in flight at once. */
  concurrency?: number;
  /** Uniform in [0, 1), for the retry jitter. */
  random?: () => number;
}

export interface DispatchSummary {
  /** Outbox items created from new events. */
  enqueued: number;
  attempted: number;
  delivered: number;
  /** Failed attempts that will be tried again. */
  retrying: number;
  /** Failed attempts after the retry period: given up. */
  failed: number;
}

interface SendResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  /** Retrying cannot help (the target is gone). */
  final?: boolean;
}

/**
 * Lets waiting I/O (incoming requests) run. With a synchronous driver (SQLite) a pass is otherwise one long chain
 * of resolved promises that holds the event loop for its whole length, and requests wait behind all of it.
 */
function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The body a webhook receives: the event as the pull feed shows it. */
export function webhookPayload(event: BookingEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, at: isoUtc(event.at), booking: event.booking, changes: event.changes });
}

/**
 * Delivers committed booking events through the outbox. Each pass first fans new events (read past a cursor in
 * commit order) out into one item per matching webhook and per email recipient, then claims due items, sends
 * them and records each attempt. A change that rolled back has no event, so it sends nothing; a committed one
 * is delivered by whichever instance runs next, even after a crash.
 */
export class Dispatcher {
  private readonly schedule: DeliverySchedule;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Set while stopping: the pass in progress ends after its current batch. */
  private halting = false;
  private pass: Promise<unknown> = Promise.resolve();
  /** Attempts waiting to be recorded, and whether a write of earlier ones is under way. */
  private readonly unrecorded: { item: OutboxItem; record: AttemptRecord; resolve(recorded: boolean): void; reject(error: unknown): void }[] = [];
  private recording = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly webhooks: WebhookRepository,
    private readonly providers: ProviderRepository,
    private readonly sender: WebhookSender,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.schedule = options.schedule ?? DEFAULT_DELIVERY_SCHEDULE;
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.concurrency = options.concurrency ?? 8;
    this.random = options.random ?? Math.random;
  }

  /**
   * One full pass: fans out every new event, sending the items each step adds as it goes, then sends every other
   * item due now (retries, and items whose claim ran out).
   */
  async runOnce(): Promise<DispatchSummary> {
    const summary: DispatchSummary = { enqueued: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0 };
    await this.fanOutAll(summary);
    // Each claimed item leaves the due set (delivered, or rescheduled into the future), so this ends.
    for (let round = 0; round < 1_000; round += 1) {
      const items = await this.outbox.claimDue(this.clock.now(), this.batchSize, this.leaseMs);
      await this.deliver(items, summary);
      if (items.length < this.batchSize || this.halting) break;
    }
    return summary;
  }

  /** Runs passes in the background until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = () => {
      this.pass = this.runOnce()
        .catch((error: unknown) => this.logger.error({ err: error }, 'outbox dispatch pass failed'))
        .finally(() => {
          if (this.running) this.timer = setTimeout(tick, this.pollIntervalMs);
        });
    };
    tick();
  }

  /** Stops the background passes and waits for the one in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.halting = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.pass;
    } finally {
      this.halting = false;
    }
  }

  private async fanOutAll(summary: DispatchSummary): Promise<void> {
    if (!(await this.outbox.hasEventsToFanOut())) return;
    for (;;) {
      const step = await this.outbox.fanOut((tx) => this.fanOutStep(tx));
      await yieldToRequests();
      if (step === null) return;
      summary.enqueued += step.items.length;
      // The step's items were claimed as they were written: sent now, without a second write to claim them.
      await this.deliver(step.items, summary);
      if (step.events < this.batchSize || this.halting) return;
    }
  }

  private async fanOutStep(tx: OutboxFanOut): Promise<{ events: number; items: OutboxItem[] }> {
    const events = await tx.nextEvents(this.batchSize);
    if (events.length === 0) return { events: 0, items: [] };
    const webhooks = await tx.webhooks();
    const mailed = events.filter((e) => MAILED_EVENT_TYPES.includes(e.type));
    const providerEmails = await tx.providerEmails([...new Set(mailed.map((e) => e.providerId))]);
    const items: NewOutboxItem[] = [];
    for (const event of events) {
      for (const webhook of webhooks) {
        if (webhookWants(webhook, event.id, event.type)) items.push({ channel: 'webhook', eventId: event.id, webhookId: webhook.id });
      }
      if (!MAILED_EVENT_TYPES.includes(event.type)) continue;
      const providerEmail = providerEmails.get(event.providerId);
      if (providerEmail) items.push({ channel: 'email', eventId: event.id, recipient: providerEmail, role: 'provider' });
      const customerEmail = event.booking.customer_email;
      if (customerEmail) items.push({ channel: 'email', eventId: event.id, recipient: customerEmail, role: 'customer' });
    }
    const now = this.clock.now();
    const added = await tx.enqueue(items, now, now + this.leaseMs);
    await tx.advance(events[events.length - 1].id);
    const byId = new Map(events.map((event) => [event.id, event]));
    return {
      events: events.length,
      items: added.map((item) => ({ ...item, claim: item.claim ?? '', attempts: 0, firstAttemptAt: null, event: byId.get(item.eventId)! })),
    };
  }

  /** Sends claimed items, a few at a time, and records every attempt before it returns. */
  private async deliver(items: OutboxItem[], summary: DispatchSummary): Promise<void> {
    if (items.length === 0) return;
    // The providers that the batch's emails are about, read once for the batch.
    const mailed = items.filter((item) => item.channel === 'email').map((item) => item.event.providerId);
    const providers = mailed.length > 0 ? await this.providers.getMany(mailed) : new Map<number, Provider>();
    const records: Promise<void>[] = [];
    await this.inParallel(items, async (item) => {
      const { outcome, recorded } = await this.attempt(item, providers);
      // Awaited below; handled here so that a failed write is not reported as unhandled meanwhile.
      recorded.catch(() => undefined);
      records.push(recorded);
      summary.attempted += 1;
      summary[outcome] += 1;
      // Waiting requests run between sends; meanwhile the batch's attempts gather into one write.
      await yieldToRequests();
    });
    await Promise.all(records);
  }

  /** Sends one item and hands its attempt to the group writer: `recorded` settles once the attempt is written. */
  private async attempt(
    item: OutboxItem,
    providers: ReadonlyMap<number, Provider>,
  ): Promise<{ outcome: 'delivered' | 'retrying' | 'failed'; recorded: Promise<void> }> {
    const result: SendResult = await this.send(item, providers).catch((error: unknown) => ({
      delivered: false,
      statusCode: null,
      error: error instanceof Error ? error.message : String(error),
    }));
    const now = this.clock.now();
    const attempt = item.attempts + 1;
    const nextAttemptAt = result.delivered || result.final ? null : nextAttemptAfterFailure(this.schedule, item.firstAttemptAt ?? now, attempt, now, this.random());
    const error = result.error === null ? null : result.error.slice(0, 500);
    const recorded = this.record(item, { at: now, statusCode: result.statusCode, error, delivered: result.delivered, nextAttemptAt }).then((written) => {
      if (!written) this.logger.warn({ item: item.id }, 'outbox item claim expired before its attempt was recorded');
    });
    if (result.delivered) return { outcome: 'delivered', recorded };
    const details = { item: item.id, channel: item.channel, event: item.eventId, attempt, statusCode: result.statusCode, error };
    if (nextAttemptAt === null) {
      this.logger.error(details, 'outbox delivery failed for good after the retry period');
      return { outcome: 'failed', recorded };
    }
    this.logger.warn({ ...details, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'outbox delivery failed; will retry');
    return { outcome: 'retrying', recorded };
  }

  private async send(item: OutboxItem, providers: ReadonlyMap<number, Provider>): Promise<SendResult> {
    const event = item.event;
    if (item.channel === 'webhook') {
      const webhook = await this.webhooks.getById(item.webhookId);
      if (!webhook) return { delivered: false, statusCode: null, error: 'The webhook was deleted', final: true };
      return this.sender.send({ url: webhook.url, secret: webhook.secret, eventId: event.id, body: webhookPayload(event) });
    }
    const provider = providers.get(event.providerId);
    if (!provider) return { delivered: false, statusCode: null, error: 'The provider no longer exists', final: true };
    await this.mailer.send({
      to: item.recipient,
      role: item.role,
      eventId: event.id,
      type: event.type,
      at: event.at,
      booking: event.booking,
      changes: event.changes,
      provider: { id: provider.id, name: provider.name, email: provider.email, timezone: provider.timezone },
    });
    return { delivered: true, statusCode: null, error: null };
  }

  /**
   * Records an attempt. Attempts are written in groups, one transaction each (a group commit): a group waits, a
   * turn of the event loop at a time, for as long as more attempts join it (up to a batch), so a burst of fast
   * sends is written once instead of once each, and sends that trickle in wait no more than a turn.
   */
  private record(item: OutboxItem, record: AttemptRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({ item, record, resolve, reject });
      if (!this.recording) void this.writeRecords();
    });
  }

  private async writeRecords(): Promise<void> {
    this.recording = true;
    try {
      while (this.unrecorded.length > 0) {
        let waiting: number;
        do {
          waiting = this.unrecorded.length;
          await yieldToRequests();
        } while (this.unrecorded.length > waiting && this.unrecorded.length < this.batchSize);
        const group = this.unrecorded.splice(0, this.batchSize);
        try {
          const recorded = await this.outbox.recordAttempts(group);
          group.forEach((entry, i) => entry.resolve(recorded[i]));
        } catch (error) {
          for (const entry of group) entry.reject(error);
        }
      }
    } finally {
      this.recording = false;
    }
  }

  private async inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        await work(item);
      }
    });
    await Promise.all(lanes);
  }
}
