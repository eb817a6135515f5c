import { BookingEventType } from '../domain/booking';
import { DEFAULT_DELIVERY_SCHEDULE, DeliverySchedule, nextAttemptAfterFailure } from '../domain/delivery-schedule';
import { BookingView, isoUtc } from './views';
import { Provider } from '../domain/provider';
import { signingSecrets, webhookWants } from '../domain/webhook';
import { BookingEvent } from './ports/booking-event-log';
import { Clock } from './ports/clock';
import { Logger } from './ports/logger';
import { BookingRepository } from './ports/booking-repository';
import { ManageLinks } from './ports/manage-links';
import { BookingMail, Mailer, MailProvider } from './ports/mailer';
import { AttemptRecord, NewOutboxItem, Outbox, OutboxChannel, OutboxFanOut, OutboxItem } from './ports/outbox';
import { ProviderRepository } from './ports/provider-repository';
import { WebhookRepository } from './ports/webhook-repository';
import { WebhookSender } from './ports/webhook-sender';

/** The event types that send email to the provider and the customer. */
export const MAILED_EVENT_TYPES: readonly BookingEventType[] = [
  'booking.created',
  'booking.rescheduled',
  'booking.cancelled',
  'booking.confirmed',
  'booking.declined',
];

/** The creation of a series' occurrence: a series is told in one message per recipient, sent for its first booking. */
function isSeriesCreation(event: BookingEvent): boolean {
  return event.type === 'booking.created' && event.booking.series_id != null;
}

/** The providers a booking takes (events written before services name only `provider_id`). */
function providerIdsOf(event: BookingEvent): number[] {
  return event.booking.provider_ids ?? [event.providerId];
}

/** Providers a reschedule took off the booking: they get a cancellation. */
function droppedProviderIds(event: BookingEvent): number[] {
  const change = event.changes.provider_ids as [number[], number[]] | undefined;
  if (event.type !== 'booking.rescheduled' || !change) return [];
  return change[0].filter((id) => !change[1].includes(id));
}

/** At most `perRecipient` emails to one customer address within any `windowMs`. */
export interface MailLimit {
  perRecipient: number;
  windowMs: number;
}

export const DEFAULT_MAIL_LIMIT: MailLimit = { perRecipient: 10, windowMs: 3_600_000 };

export interface DispatcherOptions {
  schedule?: DeliverySchedule;
  /** Events fanned out per step, and the most items a channel holds claimed at once. */
  batchSize?: number;
  /** How long a claim keeps other instances off an item; longer than `sendTimeoutMs`. */
  leaseMs?: number;
  /** Pause between looks for new events and due items when started. */
  pollIntervalMs?: number;
  /** Sends in flight at once, per channel: webhooks and email each have this many of their own. */
  concurrency?: number;
  /** A send that has not settled by then is recorded as a failed attempt. */
  sendTimeoutMs?: number;
  /** How long `stop` waits for sends in flight before leaving them to their claims' expiry. */
  stopTimeoutMs?: number;
  /** Email to customers beyond this is not sent (recorded as discarded). */
  mailLimit?: MailLimit;
  /** Uniform in [0, 1), for the retry jitter. */
  random?: () => number;
}

export interface DispatchSummary {
  /** Outbox items created from new events. */
  enqueued: number;
  /** Emails not enqueued for sending because their recipient reached the mail limit. */
  discarded: number;
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

/** A claimed item on its way through a lane. */
interface Job {
  item: OutboxItem;
  /** When the claim runs out: the item must not be sent after `leaseEnds - sendTimeoutMs`. */
  leaseEnds: number;
  /** The providers the item's email may name, by id (read once per batch). */
  providers: ReadonlyMap<number, Provider>;
  /** For the email of a new series: its occurrences, as stored when the batch was claimed. */
  occurrences?: BookingView[];
  summary: DispatchSummary;
  /** Set when `stop` gave up waiting: a late result is not recorded, the claim's expiry hands the item on. */
  abandoned: boolean;
  /** Settles the job: recorded, abandoned or dropped. */
  done(): void;
  /** While started: settles once the attempt is recorded (or abandoned). */
  finished?: Promise<void>;
}

/**
 * One channel's capacity: its own slots and its own claimed items. A channel whose sends hang fills only its own
 * slots, and while every slot is busy it claims nothing more, so other instances can take its items.
 */
class Lane {
  readonly queue: Job[] = [];
  readonly inFlight = new Set<Job>();
  /** The last claim filled all the room there was: more items may be due. */
  mayHaveMore = false;
  private slotWaiters: (() => void)[] = [];

  constructor(
    readonly channel: OutboxChannel,
    readonly slots: number,
    private readonly holdLimit: number,
  ) {}

  /** How many more items this lane should claim now: none while every slot is busy. */
  claimable(): number {
    if (this.inFlight.size >= this.slots) return 0;
    return Math.max(0, this.holdLimit - this.inFlight.size - this.queue.length);
  }

  /** Resolves when a send ends (or on `release`). */
  slotFreed(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  release(): void {
    for (const resolve of this.slotWaiters.splice(0)) resolve();
  }
}

/** The body a webhook receives: the event as the pull feed shows it. */
export function webhookPayload(event: BookingEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, at: isoUtc(event.at), booking: event.booking, changes: event.changes });
}

function emptySummary(): DispatchSummary {
  return { enqueued: 0, discarded: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0 };
}

function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? '1 hour' : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
  return `${ms / 1000} s`;
}

/** A pause that `wake` ends early; a wake while nobody waits ends the next pause at once. */
class Pause {
  private wakeUp: (() => void) | null = null;
  private woken = false;

  wait(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = finish;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }
}

/**
 * Delivers committed booking events through the outbox. New events (read past a cursor in commit order) are fanned
 * out into one item per matching webhook and per email recipient; due items are claimed, sent and each attempt
 * recorded. Webhooks and email travel in separate lanes, each with its own slots and its own claims, so a channel
 * whose server hangs never delays the other. A change that rolled back has no event, so it sends nothing; a
 * committed one is delivered by whichever instance runs next, even after a crash.
 */
export class Dispatcher {
  private readonly schedule: DeliverySchedule;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly sendTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly mailLimit: MailLimit;
  private readonly random: () => number;
  private readonly lanes: Record<OutboxChannel, Lane>;
  private running = false;
  /** Set while stopping: nothing new is claimed or started. */
  private halting = false;
  private stopping: Promise<void> | null = null;
  /** The background loops: fan-out, and one claimer per lane. */
  private loops: Promise<void>[] = [];
  private readonly pauses = { fanOut: new Pause(), webhook: new Pause(), email: new Pause() };

  constructor(
    private readonly outbox: Outbox,
    private readonly webhooks: WebhookRepository,
    private readonly providers: ProviderRepository,
    private readonly bookings: Pick<BookingRepository, 'listViews'>,
    private readonly sender: WebhookSender,
    private readonly mailer: Mailer,
    private readonly manageLinks: ManageLinks,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.schedule = options.schedule ?? DEFAULT_DELIVERY_SCHEDULE;
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.mailLimit = options.mailLimit ?? DEFAULT_MAIL_LIMIT;
    this.random = options.random ?? Math.random;
    if (this.sendTimeoutMs >= this.leaseMs) throw new RangeError('sendTimeoutMs must be shorter than leaseMs');
    const concurrency = options.concurrency ?? 8;
    this.lanes = { webhook: new Lane('webhook', concurrency, this.batchSize), email: new Lane('email', concurrency, this.batchSize) };
  }

  /**
   * One full pass: fans out every new event, sends what each step adds, then sends every other item due now
   * (retries, and items whose claim ran out); returns once every attempt it made is recorded.
   */
  async runOnce(): Promise<DispatchSummary> {
    const summary = emptySummary();
    const jobs: Promise<void>[] = [];
    await this.fanOutAll(summary, jobs);
    await Promise.all(Object.values(this.lanes).map((lane) => this.claimAll(lane, summary, jobs, true)));
    await Promise.all(jobs);
    return summary;
  }

  /** Delivers in the background until `stop`: new events and each lane's due items are looked for every poll. */
  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    const summary = emptySummary(); // nobody reads it: the log tells of failures
    this.loops = [
      this.loop(this.pauses.fanOut, () => this.fanOutAll(summary, [])),
      ...Object.values(this.lanes).map((lane) => this.loop(this.pauses[lane.channel], () => this.claimAll(lane, summary, [], false))),
    ];
  }

  /**
   * Stops: nothing more is claimed or started, claimed items not yet started are left to their claims' expiry,
   * and sends in flight get up to `stopTimeoutMs` to finish and be recorded. Sends still running then are left
   * behind: their items are tried again once the claims run out, by this or another instance.
   */
  stop(): Promise<void> {
    this.stopping ??= this.halt().finally(() => {
      this.stopping = null;
      this.halting = false;
    });
    return this.stopping;
  }

  private async halt(): Promise<void> {
    this.running = false;
    this.halting = true;
    for (const pause of Object.values(this.pauses)) pause.wake();
    const lanes = Object.values(this.lanes);
    for (const lane of lanes) lane.release();
    await Promise.all(this.loops);
    this.loops = [];
    for (const lane of lanes) for (const job of lane.queue.splice(0)) job.done();
    // Sends left behind by an earlier stop are not waited for again.
    const unfinished = () => lanes.flatMap((lane) => [...lane.inFlight].filter((job) => !job.abandoned));
    const started = unfinished();
    if (started.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      Promise.all(started.map((job) => job.finished)).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!gaveUp) return;
    const left = unfinished();
    for (const job of left) {
      job.abandoned = true;
      job.done();
    }
    if (left.length > 0) {
      this.logger.warn(
        { sends: left.length, items: left.map((job) => job.item.id) },
        'outbox stopped with sends still in flight; their items are sent again once their claims run out',
      );
    }
  }

  private async loop(pause: Pause, work: () => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await work();
      } catch (error) {
        this.logger.error({ err: error }, 'outbox dispatch pass failed');
      }
      if (this.running) await pause.wait(this.pollIntervalMs);
    }
  }

  private async fanOutAll(summary: DispatchSummary, jobs: Promise<void>[]): Promise<void> {
    if (this.halting || !(await this.outbox.hasEventsToFanOut())) return;
    for (;;) {
      const step = await this.outbox.fanOut((tx) => this.fanOutStep(tx, summary));
      if (step === null) return;
      // The items each lane could take were claimed as they were written: sent now, without a second claim.
      for (const { lane, items, leaseEnds } of step.claimed) jobs.push(this.hand(lane, items, leaseEnds, summary));
      for (const channel of step.unclaimed) {
        this.lanes[channel].mayHaveMore = true;
        this.pauses[channel].wake();
      }
      if (step.events < this.batchSize || this.halting) return;
    }
  }

  private async fanOutStep(tx: OutboxFanOut, summary: DispatchSummary) {
    const events = await tx.nextEvents(this.batchSize);
    if (events.length === 0) return { events: 0, claimed: [], unclaimed: [] };
    const webhooks = await tx.webhooks();
    const mailed = events.filter((e) => MAILED_EVENT_TYPES.includes(e.type));
    const series = await tx.seriesOccurrences([...new Set(mailed.filter(isSeriesCreation).map((e) => e.booking.series_id!))]);
    /** The providers who hear of each mailed event: those it takes and those a reschedule took off it. */
    const recipients = new Map<number, { providers: number[]; dropped: number[] }>();
    for (const event of mailed) {
      if (!isSeriesCreation(event)) {
        recipients.set(event.id, { providers: providerIdsOf(event), dropped: droppedProviderIds(event) });
        continue;
      }
      // One message per series and recipient, sent for its first booking, naming every provider of any occurrence.
      const occurrences = series.get(event.booking.series_id!) ?? [];
      if (occurrences.length > 0 && occurrences[0].id !== event.booking.id) continue;
      const providers = new Set([...providerIdsOf(event), ...occurrences.flatMap((o) => o.providerIds)]);
      recipients.set(event.id, { providers: [...providers], dropped: [] });
    }
    const everyProvider = [...recipients.values()].flatMap((r) => [...r.providers, ...r.dropped]);
    const providerEmails = await tx.providerEmails([...new Set(everyProvider)]);
    const items: NewOutboxItem[] = [];
    for (const event of events) {
      for (const webhook of webhooks) {
        if (webhookWants(webhook, event.id, event.type)) items.push({ channel: 'webhook', eventId: event.id, webhookId: webhook.id });
      }
      const mailTo = recipients.get(event.id);
      if (!mailTo) continue;
      for (const [ids, role] of [[mailTo.providers, 'provider'], [mailTo.dropped, 'former_provider']] as const) {
        for (const id of ids) {
          const providerEmail = providerEmails.get(id);
          if (providerEmail) items.push({ channel: 'email', eventId: event.id, recipient: providerEmail, role });
        }
      }
      const customerEmail = event.booking.customer_email;
      if (customerEmail) items.push({ channel: 'email', eventId: event.id, recipient: customerEmail, role: 'customer' });
    }
    const now = this.clock.now();
    const overLimit = await this.overMailLimit(tx, items, now);
    if (overLimit.size > 0) {
      const reason = `Not sent: more than ${this.mailLimit.perRecipient} emails to this address within ${describeWindow(this.mailLimit.windowMs)}`;
      await tx.discard([...overLimit], now, reason);
      summary.discarded += overLimit.size;
      this.logger.warn({ emails: overLimit.size, reason }, 'outbox discarded customer email over the per-recipient limit');
    }
    const byId = new Map(events.map((event) => [event.id, event]));
    const claimed: { lane: Lane; items: OutboxItem[]; leaseEnds: number }[] = [];
    const unclaimed: OutboxChannel[] = [];
    for (const lane of Object.values(this.lanes)) {
      const mine = items.filter((item) => item.channel === lane.channel && !overLimit.has(item));
      // Each lane claims, one claim of its own, what it can start soon; the rest waits, due, for any instance.
      const take = this.halting ? 0 : Math.min(mine.length, lane.claimable());
      const added = await tx.enqueue(mine.slice(0, take), now, now + this.leaseMs);
      const waiting = await tx.enqueue(mine.slice(take), now);
      if (waiting.length > 0) unclaimed.push(lane.channel);
      summary.enqueued += added.length + waiting.length;
      const ready = added.map((item) => ({ ...item, claim: item.claim ?? '', attempts: 0, firstAttemptAt: null, event: byId.get(item.eventId)! }));
      if (ready.length > 0) claimed.push({ lane, items: ready, leaseEnds: now + this.leaseMs });
    }
    await tx.advance(events[events.length - 1].id);
    return { events: events.length, claimed, unclaimed };
  }

  /** The customer emails among `items` beyond the per-recipient limit, counted with those already enqueued. */
  private async overMailLimit(tx: OutboxFanOut, items: NewOutboxItem[], now: number): Promise<Set<NewOutboxItem>> {
    const customer = items.filter((item): item is Extract<NewOutboxItem, { channel: 'email' }> => item.channel === 'email' && item.role === 'customer');
    const over = new Set<NewOutboxItem>();
    if (customer.length === 0) return over;
    const counts = await tx.mailCountsSince('customer', customer.map((item) => item.recipient), now - this.mailLimit.windowMs + 1);
    for (const item of customer) {
      const address = item.recipient.toLowerCase();
      const sent = counts.get(address) ?? 0;
      if (sent >= this.mailLimit.perRecipient) over.add(item);
      else counts.set(address, sent + 1);
    }
    return over;
  }

  /**
   * Claims and starts a lane's due items while it has room. With `waitForRoom` (a full pass) it waits for a free
   * slot when the lane is busy; otherwise it leaves the rest to the next look.
   */
  private async claimAll(lane: Lane, summary: DispatchSummary, jobs: Promise<void>[], waitForRoom: boolean): Promise<void> {
    // Each claimed item leaves the due set (delivered, or rescheduled into the future), so this ends.
    for (let round = 0; round < 1_000 && !this.halting; ) {
      const limit = lane.claimable();
      if (limit === 0) {
        lane.mayHaveMore = true;
        if (!waitForRoom) return;
        await lane.slotFreed();
        continue;
      }
      round += 1;
      const now = this.clock.now();
      const items = await this.outbox.claimDue(now, limit, this.leaseMs, lane.channel);
      jobs.push(this.hand(lane, items, now + this.leaseMs, summary));
      lane.mayHaveMore = items.length === limit;
      if (items.length < limit) return;
    }
  }

  /** Queues claimed items on their lane; settles once each is recorded, abandoned or dropped. Never rejects. */
  private async hand(lane: Lane, items: OutboxItem[], leaseEnds: number, summary: DispatchSummary): Promise<void> {
    if (items.length === 0) return;
    let providers: ReadonlyMap<number, Provider> = new Map();
    const series = new Map<number, BookingView[]>();
    const mailed = items.filter((item) => item.channel === 'email').map((item) => item.event);
    try {
      // The occurrences of new series and the providers that the emails are about, read once for the batch.
      for (const seriesId of new Set(mailed.filter(isSeriesCreation).map((e) => e.booking.series_id!))) {
        const views = await this.bookings.listViews({ seriesId, status: 'all', limit: 200 });
        series.set(seriesId, views.map((v) => JSON.parse(v.json) as BookingView));
      }
      const ids = mailed.flatMap((e) => [...providerIdsOf(e), ...droppedProviderIds(e)]);
      for (const views of series.values()) ids.push(...views.flatMap((v) => v.provider_ids));
      if (ids.length > 0) providers = await this.providers.getMany([...new Set(ids)]);
    } catch (error) {
      this.logger.error({ err: error, items: items.length }, 'outbox could not read providers; the items are sent again once their claims run out');
      return;
    }
    const settled = items.map(
      (item) =>
        new Promise<void>((done) =>
          lane.queue.push({
            item,
            leaseEnds,
            providers,
            occurrences: isSeriesCreation(item.event) ? series.get(item.event.booking.series_id!) : undefined,
            summary,
            abandoned: false,
            done,
          }),
        ),
    );
    this.pump(lane);
    await Promise.all(settled);
  }

  /** Starts queued jobs while the lane has free slots. */
  private pump(lane: Lane): void {
    while (lane.inFlight.size < lane.slots && lane.queue.length > 0) {
      const job = lane.queue.shift()!;
      if (this.halting || this.clock.now() + this.sendTimeoutMs > job.leaseEnds) {
        // Too late to finish under the claim: left to run out, then claimed again.
        job.done();
        continue;
      }
      lane.inFlight.add(job);
      job.finished = this.run(lane, job);
    }
  }

  private async run(lane: Lane, job: Job): Promise<void> {
    const result = await this.sendWithin(job);
    lane.inFlight.delete(job);
    this.pump(lane);
    lane.release();
    if (lane.mayHaveMore && lane.queue.length === 0) this.pauses[lane.channel].wake();
    if (job.abandoned) return;
    try {
      await this.record(job, result);
    } catch (error) {
      this.logger.error({ err: error, item: job.item.id }, 'outbox attempt could not be recorded; the item is sent again once its claim runs out');
    } finally {
      job.done();
    }
  }

  /** The send, or a failed result once `sendTimeoutMs` has passed (the send itself is left to its own deadlines). */
  private async sendWithin(job: Job): Promise<SendResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<SendResult>((resolve) => {
      timer = setTimeout(() => resolve({ delivered: false, statusCode: null, error: `No answer within ${this.sendTimeoutMs / 1000} s` }), this.sendTimeoutMs);
      // The send's own sockets keep the process alive while it runs; this timer alone need not.
      timer.unref();
    });
    const sent = this.send(job).catch((error: unknown) => ({
      delivered: false,
      statusCode: null,
      error: error instanceof Error ? error.message : String(error),
    }));
    try {
      return await Promise.race([sent, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async record(job: Job, result: SendResult): Promise<void> {
    const { item, summary } = job;
    const now = this.clock.now();
    const attempt = item.attempts + 1;
    const nextAttemptAt = result.delivered || result.final ? null : nextAttemptAfterFailure(this.schedule, item.firstAttemptAt ?? now, attempt, now, this.random());
    const error = result.error === null ? null : result.error.slice(0, 500);
    const record: AttemptRecord = { at: now, statusCode: result.statusCode, error, delivered: result.delivered, nextAttemptAt };
    const outcome = result.delivered ? 'delivered' : nextAttemptAt === null ? 'failed' : 'retrying';
    summary.attempted += 1;
    summary[outcome] += 1;
    if (!result.delivered) {
      const details = { item: item.id, channel: item.channel, event: item.eventId, attempt, statusCode: result.statusCode, error };
      if (nextAttemptAt === null) this.logger.error(details, 'outbox delivery failed for good after the retry period');
      else this.logger.warn({ ...details, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'outbox delivery failed; will retry');
    }
    if (!(await this.outbox.recordAttempt(item, record))) {
      this.logger.warn({ item: item.id }, 'outbox item claim expired before its attempt was recorded');
    }
  }

  private async send(job: Job): Promise<SendResult> {
    const { item, providers } = job;
    const event = item.event;
    if (item.channel === 'webhook') {
      const webhook = await this.webhooks.getById(item.webhookId);
      if (!webhook) return { delivered: false, statusCode: null, error: 'The webhook was deleted', final: true };
      return this.sender.send({ url: webhook.url, secrets: signingSecrets(webhook, this.clock.now()), eventId: event.id, body: webhookPayload(event) });
    }
    const named = providerIdsOf(event).flatMap((id) => (providers.has(id) ? [mailProvider(providers.get(id)!)] : []));
    const address = item.recipient.toLowerCase();
    const addressee = [...providers.values()].find((p) => p.email.toLowerCase() === address);
    const provider = item.role === 'customer' || !addressee ? named[0] : mailProvider(addressee);
    if (!provider) return { delivered: false, statusCode: null, error: 'The provider no longer exists', final: true };
    let occurrences = job.occurrences;
    if (occurrences && item.role !== 'customer') occurrences = occurrences.filter((o) => o.provider_ids.includes(provider.id));
    const mail: BookingMail = {
      to: item.recipient,
      role: item.role,
      eventId: event.id,
      type: event.type,
      at: event.at,
      booking: event.booking,
      changes: event.changes,
      provider,
      providers: named,
      ...(occurrences && occurrences.length > 0 ? { occurrences } : {}),
    };
    if (item.role === 'customer') {
      const manageUrls: Record<number, string> = {};
      for (const booking of occurrences ?? [event.booking]) {
        const url = this.manageLinks.pageOf(booking.id);
        if (url !== null) manageUrls[booking.id] = url;
      }
      if (Object.keys(manageUrls).length > 0) mail.manageUrls = manageUrls;
    }
    await this.mailer.send(mail);
    return { delivered: true, statusCode: null, error: null };
  }
}

function mailProvider(provider: Provider): MailProvider {
  return { id: provider.id, name: provider.name, email: provider.email, timezone: provider.timezone };
}
