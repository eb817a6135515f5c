import { Kysely, Selectable, sql } from 'kysely';
import { BookingEvent, BookingEventLog, NewBookingEvent } from '../../application/ports/booking-event-log';
import { BookingEventType } from '../../domain/booking';
import { Capabilities } from './database';
import { PreparedQuery } from './prepared-query';
import { BookingEventRow, Database } from './schema';

type EventValues = Omit<Selectable<BookingEventRow>, 'id'>;

const insertEvent = new PreparedQuery((db, v: EventValues) =>
  db
    .insertInto('booking_events')
    .values({
      booking_id: v.booking_id,
      provider_id: v.provider_id,
      booking_owner: v.booking_owner,
      type: v.type,
      at: v.at,
      actor: v.actor,
      changes: v.changes,
      booking: v.booking,
    })
    // Only the id is new: the rest is what was written, so it is not read back and parsed again.
    .returning('id'),
);

/** Advisory lock key ("book") that orders event inserts by commit on Postgres. */
export const EVENT_ORDER_LOCK = 0x626f6f6b;

export function toDomain(row: Selectable<BookingEventRow>): BookingEvent {
  return {
    id: row.id,
    type: row.type as BookingEventType,
    at: row.at,
    actor: row.actor,
    bookingId: row.booking_id,
    providerId: row.provider_id,
    bookingOwner: row.booking_owner,
    changes: JSON.parse(row.changes),
    booking: JSON.parse(row.booking),
  };
}

export class KyselyBookingEventLog implements BookingEventLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async append(event: NewBookingEvent): Promise<BookingEvent> {
    if (this.capabilities.serializeEventIds) {
      // A sequence hands out ids at insert, not at commit: without this lock a reader could see id 7 committed
      // before id 6 and skip 6 for ever. Held until commit, so ids become visible in order.
      await sql`select pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`.execute(this.db);
    }
    const row = await insertEvent.first(this.db, {
      booking_id: event.bookingId,
      provider_id: event.providerId,
      booking_owner: event.bookingOwner,
      type: event.type,
      at: event.at,
      actor: event.actor,
      changes: JSON.stringify(event.changes),
      booking: JSON.stringify(event.booking),
    });
    return { ...event, id: row!.id };
  }

  async listAfter(afterId: number, limit: number, owner?: number): Promise<BookingEvent[]> {
    let query = this.db.selectFrom('booking_events').selectAll().where('id', '>', afterId);
    if (owner !== undefined) query = query.where('booking_owner', '=', owner);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map(toDomain);
  }

  async historyOf(bookingId: number): Promise<BookingEvent[]> {
    const rows = await this.db.selectFrom('booking_events').selectAll().where('booking_id', '=', bookingId).orderBy('id').execute();
    return rows.map(toDomain);
  }
}
