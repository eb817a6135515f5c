import { Insertable, Kysely, Selectable, sql } from 'kysely';
import { BookingQuery, BookingRepository, NewBooking } from '../../application/ports/booking-repository';
import { Booking, BookingStatus } from '../../domain/booking';
import { instantRangeOfDates, MAX_BLOCK_MS, OccupiedSpan } from '../../domain/booking-policy';
import { SlotUnavailableError, VersionMismatchError } from '../../domain/errors';
import { Capabilities } from './database';
import { isOverlapViolation } from './kysely-errors';
import { BookingRow, Database } from './schema';

function toDomain(row: Selectable<BookingRow>): Booking {
  return {
    id: row.id,
    providerId: row.provider_id,
    date: row.date,
    startMinute: row.start_minute,
    durationMinutes: row.duration_minutes,
    endMinute: row.end_minute,
    timezone: row.timezone,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    blockStart: row.block_start,
    blockEnd: row.block_end,
    status: row.status as BookingStatus,
    customerName: row.customer_name,
    customerEmail: row.customer_email,
    notes: row.notes,
    createdBy: row.created_by,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    cancelledAt: row.cancelled_at,
  };
}

/** A booking as a `bookings` row (also used by tools that write rows in bulk). */
export function toRow(b: NewBooking): Insertable<BookingRow> {
  return {
    provider_id: b.providerId,
    date: b.date,
    start_minute: b.startMinute,
    duration_minutes: b.durationMinutes,
    end_minute: b.endMinute,
    timezone: b.timezone,
    starts_at: b.startsAt,
    ends_at: b.endsAt,
    block_start: b.blockStart,
    block_end: b.blockEnd,
    status: b.status,
    customer_name: b.customerName,
    customer_email: b.customerEmail,
    notes: b.notes,
    created_by: b.createdBy,
    version: b.version,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    cancelled_at: b.cancelledAt,
  };
}

export class KyselyBookingRepository implements BookingRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async insert(booking: NewBooking): Promise<Booking> {
    try {
      const row = await this.db.insertInto('bookings').values(toRow(booking)).returningAll().executeTakeFirstOrThrow();
      return toDomain(row);
    } catch (error) {
      if (isOverlapViolation(error)) throw new SlotUnavailableError();
      throw error;
    }
  }

  async getById(id: number): Promise<Booking | null> {
    const row = await this.db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async getForUpdate(id: number): Promise<Booking | null> {
    let query = this.db.selectFrom('bookings').selectAll().where('id', '=', id);
    if (this.capabilities.rowLocks) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async update(booking: Booking): Promise<Booking> {
    const { provider_id: _providerId, created_at: _createdAt, created_by: _createdBy, ...changes } = toRow(booking);
    try {
      const row = await this.db
        .updateTable('bookings')
        .set(changes)
        .where('id', '=', booking.id)
        .where('version', '=', booking.version - 1)
        .returningAll()
        .executeTakeFirst();
      if (row) return toDomain(row);
    } catch (error) {
      if (isOverlapViolation(error)) throw new SlotUnavailableError();
      throw error;
    }
    const current = await this.getById(booking.id);
    throw new VersionMismatchError(current?.version ?? booking.version);
  }

  async findOccupied(providerId: number, from: number, to: number, excludeId?: number): Promise<OccupiedSpan[]> {
    // The lower bound on block_start keeps this an index range scan on (provider_id, block_start):
    // no widened span is longer than MAX_BLOCK_MS.
    let query = this.db
      .selectFrom('bookings')
      .select(['id', 'block_start', 'block_end'])
      .where('provider_id', '=', providerId)
      // A literal, not a bound value: SQLite prepares a statement again on every run when a bound value decides
      // whether a partial index (here `bookings_active_span`) applies.
      .where('status', '=', sql.lit('active'))
      .where('block_start', '>', from - MAX_BLOCK_MS)
      .where('block_start', '<', to)
      .where('block_end', '>', from);
    if (excludeId !== undefined) query = query.where('id', '<>', excludeId);
    const rows = await query.orderBy('block_start').execute();
    return rows.map((r) => ({ id: r.id, blockStart: r.block_start, blockEnd: r.block_end }));
  }

  async list(q: BookingQuery): Promise<Booking[]> {
    let query = this.db.selectFrom('bookings').selectAll();
    if (q.providerId !== undefined) query = query.where('provider_id', '=', q.providerId);
    if (q.createdBy !== undefined) query = query.where('created_by', '=', q.createdBy);
    if (q.status !== 'all') query = query.where('status', '=', q.status);
    // Local dates are filtered exactly on `date`; the instant bounds around them let the index do the work.
    if (q.fromDate !== undefined) {
      query = query.where('date', '>=', q.fromDate).where('starts_at', '>=', instantRangeOfDates(q.fromDate, q.fromDate).start);
    }
    if (q.toDate !== undefined) {
      query = query.where('date', '<=', q.toDate).where('starts_at', '<', instantRangeOfDates(q.toDate, q.toDate).end);
    }
    if (q.after) query = query.where(sql<boolean>`(starts_at, id) > (${q.after.startsAt}, ${q.after.id})`);
    const rows = await query.orderBy('starts_at').orderBy('id').limit(q.limit).execute();
    return rows.map(toDomain);
  }
}
