import { randomUUID } from 'node:crypto';
import { Kysely, Selectable, sql } from 'kysely';
import {
  AttemptRecord,
  DeliveryAttempt,
  DiscardedCount,
  EnqueuedItem,
  NewOutboxItem,
  Outbox,
  OutboxChannel,
  OutboxFanOut,
  OutboxItem,
  OutboxStats,
  RecipientRole,
} from '../../application/ports/outbox';
import { BookingEvent } from '../../application/ports/booking-event-log';
import { Webhook } from '../../domain/webhook';
import { Capabilities } from './database';
import { KyselyBookingEventLog, publishUnderLock, toDomain as eventFromRow } from './kysely-booking-event-log';
import { KyselyWebhookRepository } from './kysely-webhook-repository';
import { Database, OutboxRow } from './schema';

/**
 * The status the `outbox_due` partial index covers, written into the SQL rather than bound: SQLite prepares a
 * statement again on every run when a bound value decides whether a partial index applies.
 */
const PENDING = sql.lit('pending');

const CONSUMER = 'dispatcher';

/** The most attempts written in one transaction. */
const GROUP_LIMIT = 100;

function emailTarget(role: RecipientRole, address: string): string {
  return `email:${role}:${address.toLowerCase()}`;
}

function targetOf(item: NewOutboxItem): string {
  return item.channel === 'webhook' ? `webhook:${item.webhookId}` : emailTarget(item.role, item.recipient);
}

/** Lets waiting I/O (incoming requests) run: with SQLite every query completes synchronously. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface UnrecordedAttempt {
  item: OutboxItem;
  record: AttemptRecord;
  resolve(recorded: boolean): void;
  reject(error: unknown): void;
}

function toItem(row: Selectable<OutboxRow>, event: BookingEvent): OutboxItem {
  const common = { id: row.id, eventId: row.event_id, attempts: row.attempts, firstAttemptAt: row.first_attempt_at, claim: row.claim ?? '', event };
  return row.channel === 'webhook'
    ? { ...common, channel: 'webhook', webhookId: Number(row.webhook_id) }
    : { ...common, channel: 'email', recipient: row.recipient ?? '', role: row.recipient_role as RecipientRole };
}

class KyselyOutboxFanOut implements OutboxFanOut {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly capabilities: Capabilities,
    private cursor: number,
  ) {}

  async nextEvents(limit: number): Promise<BookingEvent[]> {
    // The cursor is a feed position: events past it, in the feed's order (published first by `hasEventsToFanOut`).
    const rows = await this.trx.selectFrom('booking_events').selectAll().where('position', '>', this.cursor).orderBy('position').limit(limit).execute();
    return rows.map(eventFromRow);
  }

  webhooks(): Promise<Webhook[]> {
    return new KyselyWebhookRepository(this.trx as unknown as Kysely<Database>, this.capabilities).list();
  }

  async providerEmails(providerIds: number[]): Promise<Map<number, string>> {
    if (providerIds.length === 0) return new Map();
    const rows = await this.trx.selectFrom('providers').select(['id', 'email']).where('id', 'in', providerIds).execute();
    return new Map(rows.map((r) => [r.id, r.email]));
  }

  async seriesOccurrences(seriesIds: number[]): Promise<Map<number, { id: number; providerIds: number[] }[]>> {
    const found = new Map<number, { id: number; providerIds: number[] }[]>();
    if (seriesIds.length === 0) return found;
    const rows = await this.trx
      .selectFrom('bookings')
      .select(['id', 'series_id', 'provider_ids'])
      .where('series_id', 'in', seriesIds)
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const seriesId = Number(row.series_id);
      const list = found.get(seriesId) ?? [];
      list.push({ id: Number(row.id), providerIds: JSON.parse(row.provider_ids) as number[] });
      found.set(seriesId, list);
    }
    return found;
  }

  async enqueue(items: NewOutboxItem[], now: number, claimedUntil?: number): Promise<EnqueuedItem[]> {
    const claim = claimedUntil === undefined ? null : randomUUID();
    const added: EnqueuedItem[] = [];
    for (let i = 0; i < items.length; i += 200) {
      const chunk = items.slice(i, i + 200);
      const targets = chunk.map(targetOf);
      const values = chunk.map((item, j) => ({
        event_id: item.eventId,
        channel: item.channel,
        webhook_id: item.channel === 'webhook' ? item.webhookId : null,
        recipient: item.channel === 'email' ? item.recipient : null,
        recipient_role: item.channel === 'email' ? item.role : null,
        target: targets[j],
        status: 'pending',
        next_attempt_at: now,
        claim,
        claimed_until: claimedUntil ?? null,
        created_at: now,
        updated_at: now,
      }));
      const rows = await this.trx
        .insertInto('outbox')
        .values(values)
        .onConflict((oc) => oc.columns(['event_id', 'target']).doNothing())
        .returning(['id', 'event_id', 'target'])
        .execute();
      // Rows come back for the items added (not those already present), in no promised order.
      const ids = new Map(rows.map((row) => [`${row.event_id} ${row.target}`, row.id]));
      chunk.forEach((item, j) => {
        const key = `${item.eventId} ${targets[j]}`;
        const id = ids.get(key);
        if (id === undefined) return;
        ids.delete(key); // the same item twice in one call is added once
        added.push({ ...item, id, claim });
      });
    }
    return added;
  }

  async discard(items: NewOutboxItem[], now: number, reason: string): Promise<void> {
    for (let i = 0; i < items.length; i += 200) {
      const values = items.slice(i, i + 200).map((item) => ({
        event_id: item.eventId,
        channel: item.channel,
        webhook_id: item.channel === 'webhook' ? item.webhookId : null,
        recipient: item.channel === 'email' ? item.recipient : null,
        recipient_role: item.channel === 'email' ? item.role : null,
        target: targetOf(item),
        status: 'discarded',
        next_attempt_at: null,
        last_error: reason,
        created_at: now,
        updated_at: now,
      }));
      await this.trx
        .insertInto('outbox')
        .values(values)
        .onConflict((oc) => oc.columns(['event_id', 'target']).doNothing())
        .execute();
    }
  }

  async mailCountsSince(role: RecipientRole, addresses: string[], since: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const targets = [...new Set(addresses.map((address) => emailTarget(role, address)))];
    for (let i = 0; i < targets.length; i += 200) {
      const rows = await this.trx
        .selectFrom('outbox')
        .select((eb) => ['target', eb.fn.countAll<number | string>().as('n')])
        .where('target', 'in', targets.slice(i, i + 200))
        .where('created_at', '>=', since)
        .where('status', '<>', 'discarded')
        .groupBy('target')
        .execute();
      const prefix = emailTarget(role, '').length;
      for (const row of rows) counts.set(row.target.slice(prefix), Number(row.n));
    }
    return counts;
  }

  async advance(eventId: number): Promise<void> {
    await this.trx.updateTable('outbox_cursors').set({ last_event_id: eventId }).where('consumer', '=', CONSUMER).execute();
    this.cursor = eventId;
  }
}

/**
 * The outbox on either database. Claims are leases (`claim`, `claimed_until`) taken in a short transaction: on
 * Postgres the candidate rows are locked `FOR UPDATE SKIP LOCKED`, so concurrent instances claim disjoint sets;
 * on SQLite the transaction holds the single write lock, which serialises claims just as well.
 */
export class KyselyOutbox implements Outbox {
  /** Attempts waiting to be written, and whether a write of earlier ones is under way. */
  private readonly unrecorded: UnrecordedAttempt[] = [];
  private recording = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async fanOut<T>(work: (tx: OutboxFanOut) => Promise<T>): Promise<T | null> {
    const result = await this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('outbox_cursors').select('last_event_id').where('consumer', '=', CONSUMER);
      if (this.capabilities.rowLocks) query = query.forUpdate().skipLocked();
      const cursor = await query.executeTakeFirst();
      if (!cursor) return null;
      // Every committed event gets its feed position before the fan-out reads past the cursor.
      if (this.capabilities.dialect === 'postgres') await publishUnderLock(trx);
      return work(new KyselyOutboxFanOut(trx, this.capabilities, cursor.last_event_id));
    });
    await nextTurn();
    return result;
  }

  async hasEventsToFanOut(): Promise<boolean> {
    await new KyselyBookingEventLog(this.db, this.capabilities).publish();
    const row = await this.db
      .selectFrom('booking_events')
      .select('id')
      .where('position', '>', (eb) => eb.selectFrom('outbox_cursors').select('last_event_id').where('consumer', '=', CONSUMER))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async claimDue(now: number, limit: number, leaseMs: number, channel?: OutboxChannel): Promise<OutboxItem[]> {
    // A plain read first, so that an idle pass never takes the write lock (SQLite) or locks rows (Postgres).
    let probe = this.db.selectFrom('outbox').select('id').where('status', '=', PENDING).where('next_attempt_at', '<=', now);
    if (channel) probe = probe.where('channel', '=', channel);
    if (!(await probe.limit(1).executeTakeFirst())) return [];
    const claim = randomUUID();
    const rows = await this.db.transaction().execute(async (trx) => {
      let due = trx
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', PENDING)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
        .where((eb) =>
          eb.or([eb('webhook_id', 'is', null), eb('webhook_id', 'in', eb.selectFrom('webhooks').select('id').where('deleted_at', 'is', null))]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
      if (channel) due = due.where('channel', '=', channel);
      if (this.capabilities.rowLocks) due = due.forUpdate().skipLocked();
      return trx
        .updateTable('outbox')
        .set({ claim, claimed_until: now + leaseMs })
        .where('id', 'in', due)
        .returningAll()
        .execute();
    });
    if (rows.length === 0) return [];
    const eventRows = await this.db
      .selectFrom('booking_events')
      .selectAll()
      .where('position', 'in', [...new Set(rows.map((r) => r.event_id))])
      .execute();
    const events = new Map(eventRows.map((r) => [r.position!, eventFromRow(r)]));
    return rows
      .sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || a.id - b.id)
      .map((row) => toItem(row, events.get(row.event_id)!));
  }

  /**
   * Records an attempt, in a group commit: attempts reported in the same turn of the event loop, or while an
   * earlier group is being written, are written together in one transaction (up to 100), so a burst of quick
   * sends costs one commit instead of one each, and a lone attempt waits no more than a turn.
   */
  recordAttempt(item: OutboxItem, record: AttemptRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({ item, record, resolve, reject });
      if (!this.recording) void this.writeUnrecorded();
    });
  }

  private async writeUnrecorded(): Promise<void> {
    this.recording = true;
    try {
      while (this.unrecorded.length > 0) {
        await nextTurn();
        const group = this.unrecorded.splice(0, GROUP_LIMIT);
        try {
          const recorded = await this.recordAttempts(group);
          group.forEach((entry, i) => entry.resolve(recorded[i]));
        } catch (error) {
          for (const entry of group) entry.reject(error);
        }
      }
    } finally {
      this.recording = false;
    }
  }

  /** `recordAttempt` for several items in one transaction; one answer per entry, in order. */
  async recordAttempts(entries: readonly { item: OutboxItem; record: AttemptRecord }[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    // Entries under the same claim with the same outcome (a burst of deliveries in one millisecond) are written by
    // one UPDATE, and every attempt row by one INSERT: a few statements per group instead of two per attempt.
    const groups = new Map<string, { claim: string; record: AttemptRecord; ids: number[] }>();
    const first = new Set<number>();
    entries.forEach(({ item, record }) => {
      if (first.has(item.id)) return; // the first report takes the claim; a repeat in the same call finds none
      first.add(item.id);
      const key = JSON.stringify([item.claim, record.at, record.statusCode, record.error, record.delivered, record.nextAttemptAt]);
      const group = groups.get(key) ?? { claim: item.claim, record, ids: [] };
      group.ids.push(item.id);
      groups.set(key, group);
    });
    return this.db.transaction().execute(async (trx) => {
      const updated = new Set<number>();
      for (const { claim, record, ids } of groups.values()) {
        for (const row of await markAttempted(trx, ids, claim, record)) updated.add(row.id);
      }
      const counted = new Set<number>();
      const recorded = entries.map(({ item }) => {
        if (!updated.has(item.id) || counted.has(item.id)) return false;
        counted.add(item.id);
        return true;
      });
      const attempts = entries
        .filter((_, i) => recorded[i])
        .map(({ item, record }) => ({
          outbox_id: item.id,
          event_id: item.eventId,
          webhook_id: item.channel === 'webhook' ? item.webhookId : null,
          attempt: item.attempts + 1,
          status_code: record.statusCode,
          error: record.error,
          at: record.at,
          next_attempt_at: record.nextAttemptAt,
        }));
      if (attempts.length > 0) await trx.insertInto('outbox_attempts').values(attempts).execute();
      return recorded;
    });
  }

  async attemptsOf(webhookId: number, limit: number): Promise<DeliveryAttempt[]> {
    const rows = await this.db.selectFrom('outbox_attempts').selectAll().where('webhook_id', '=', webhookId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      eventId: r.event_id,
      attempt: r.attempt,
      statusCode: r.status_code,
      error: r.error,
      at: r.at,
      nextAttemptAt: r.next_attempt_at,
    }));
  }

  async stats(): Promise<OutboxStats> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => [
        'status',
        eb.case().when('attempts', '=', 0).then(0).else(1).end().as('tried'),
        eb.fn.countAll<number | string>().as('n'),
      ])
      .where('status', 'in', ['pending', 'failed'])
      .groupBy(['status', 'tried'])
      .execute();
    const stats: OutboxStats = { pending: 0, retrying: 0, failed: 0 };
    for (const row of rows) {
      const n = Number(row.n);
      if (row.status === 'failed') stats.failed += n;
      else {
        stats.pending += n;
        if (Number(row.tried) !== 0) stats.retrying += n;
      }
    }
    return stats;
  }

  async discarded(): Promise<DiscardedCount[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => ['channel', 'last_error', eb.fn.countAll<number | string>().as('n')])
      .where('status', '=', 'discarded')
      .groupBy(['channel', 'last_error'])
      .orderBy('channel')
      .orderBy('last_error')
      .execute();
    return rows.map((row) => ({ channel: row.channel as OutboxChannel, reason: row.last_error ?? 'not recorded', count: Number(row.n) }));
  }
}

/** Marks the items among `ids` still held under `claim` as attempted with `record`; returns those it changed. */
function markAttempted(trx: Kysely<Database>, ids: number[], claim: string, record: AttemptRecord): Promise<{ id: number }[]> {
  const status = record.delivered ? 'delivered' : record.nextAttemptAt === null ? 'failed' : 'pending';
  return trx
    .updateTable('outbox')
    .set((eb) => ({
      status,
      attempts: eb('attempts', '+', 1),
      next_attempt_at: record.nextAttemptAt,
      first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(record.at)),
      claim: null,
      claimed_until: null,
      last_status_code: record.statusCode,
      last_error: record.error,
      updated_at: record.at,
    }))
    .where('id', 'in', ids)
    .where('claim', '=', claim)
    .returning('id')
    .execute();
}
