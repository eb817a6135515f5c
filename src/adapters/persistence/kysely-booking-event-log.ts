import { Kysely, Selectable, sql } from 'kysely';
import { BookingEvent, BookingEventLog } from '../../application/ports/booking-event-log';
import { BookingEventType } from '../../domain/booking';
import { Capabilities } from './database';
import { PreparedQuery } from './prepared-query';
import { BookingEventRow, Database } from './schema';

/** Advisory lock key ("book") held by whoever gives events their feed positions on Postgres. */
export const PUBLISH_LOCK = 0x626f6f6b;
const PUBLISH_BATCH = 1000;

export function toDomain(row: Selectable<BookingEventRow>): BookingEvent {
  const booking = JSON.parse(row.booking);
  return {
    id: row.position ?? 0,
    type: row.type as BookingEventType,
    at: row.at,
    actor: row.actor_kind === 'customer' ? 'customer' : row.actor,
    bookingId: row.booking_id,
    providerId: row.provider_id,
    // Events written before bookings took several providers have none listed: theirs was the one.
    providerIds: booking.provider_ids ?? [row.provider_id],
    bookingOwner: row.booking_owner,
    changes: JSON.parse(row.changes),
    booking,
  };
}

/**
 * Inside the caller's transaction on PostgreSQL: takes the publishing lock (held until that transaction ends) and
 * gives every committed event without a position the next ones, in id order.
 */
export async function publishUnderLock(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`.execute(trx);
  for (;;) {
    // Read-committed: this statement sees every batch published before the lock was granted.
    const result = await sql`
      update booking_events e set position = base.last + todo.rank
        from (select id, row_number() over (order by id) as rank
                from booking_events where position is null order by id limit ${PUBLISH_BATCH}) todo,
             (select coalesce(max(position), 0) as last from booking_events) base
       where e.id = todo.id`.execute(trx);
    if (Number(result.numAffectedRows ?? 0) < PUBLISH_BATCH) return;
  }
}

const unpublished = new PreparedQuery((db) => db.selectFrom('booking_events').select('id').where('position', 'is', null).limit(1));

export class KyselyBookingEventLog implements BookingEventLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async publish(): Promise<void> {
    // SQLite's single writer makes ids rise in commit order, so events are written with their position.
    if (this.capabilities.dialect !== 'postgres') return;
    if (!(await unpublished.first(this.db, {}))) return;
    // A sequence hands out ids at insert, not at commit: id 7 can commit before id 6. Positions are given instead
    // to committed events only, in batches that follow one another (the lock), so a reader that saw position N
    // will only ever see later events above N. Writers never take this lock.
    await this.db.transaction().execute((trx) => publishUnderLock(trx));
  }

  async listAfter(afterId: number, limit: number, owner?: number): Promise<BookingEvent[]> {
    let query = this.db.selectFrom('booking_events').selectAll().where('position', '>', afterId);
    if (owner !== undefined) query = query.where('booking_owner', '=', owner);
    const rows = await query.orderBy('position').limit(limit).execute();
    return rows.map(toDomain);
  }

  async historyOf(bookingId: number): Promise<Omit<BookingEvent, 'id'>[]> {
    const rows = await this.db.selectFrom('booking_events').selectAll().where('booking_id', '=', bookingId).orderBy('id').execute();
    return rows.map(toDomain);
  }
}
