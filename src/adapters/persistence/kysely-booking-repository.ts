import { Insertable, Kysely, Selectable, sql } from 'kysely';
import { BookingQuery, BookingRepository, NewBooking } from '../../application/ports/booking-repository';
import { Booking, BookingStatus } from '../../domain/booking';
import { instantRangeOfDates, MAX_BLOCK_MS, OccupiedSpan } from '../../domain/booking-policy';
import { SlotUnavailableError, VersionMismatchError } from '../../domain/errors';
import { Capabilities } from './database';
import { isOverlapViolation } from './kysely-errors';
import { PreparedQuery } from './prepared-query';
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

// Only the id is new: the rest of the booking is what was written.
const insertBooking = new PreparedQuery((db, b: NewBooking) => db.insertInto('bookings').values(toRow(b)).returning('id'));

const bookingById = new PreparedQuery((db, v: { id: number }) => db.selectFrom('bookings').selectAll().where('id', '=', v.id));

interface SpanQuery {
  providerId: number;
  from: number;
  to: number;
  /** `from - MAX_BLOCK_MS`: the lower bound on block_start keeps the query an index range scan. */
  lowest: number;
  excludeId?: number;
}

function occupiedQuery(excluding: boolean) {
  return new PreparedQuery((db, v: SpanQuery) => {
    let query = db
      .selectFrom('bookings')
      .select(['id', 'block_start', 'block_end'])
      .where('provider_id', '=', v.providerId)
      // A literal, not a bound value: SQLite prepares a statement again on every run when a bound value decides
      // whether a partial index (here `bookings_active_span`) applies.
      .where('status', '=', sql.lit('active'))
      .where('block_start', '>', v.lowest)
      .where('block_start', '<', v.to)
      .where('block_end', '>', v.from);
    if (excluding) query = query.where('id', '<>', v.excludeId!);
    return query.orderBy('block_start');
  });
}

const occupied = occupiedQuery(false);
const occupiedExcluding = occupiedQuery(true);

interface ListValues {
  providerId?: number;
  createdBy?: number;
  status?: string;
  fromDate?: string;
  fromInstant?: number;
  toDate?: string;
  toInstant?: number;
  afterStartsAt?: number;
  afterId?: number;
  limit: number;
}

/** One prepared list query per combination of filters (the filters present change the SQL). */
const listQueries = new Map<number, PreparedQuery<ListValues, Selectable<BookingRow>>>();

function listQuery(q: BookingQuery): PreparedQuery<ListValues, Selectable<BookingRow>> {
  const has = {
    provider: q.providerId !== undefined,
    owner: q.createdBy !== undefined,
    status: q.status !== 'all',
    from: q.fromDate !== undefined,
    to: q.toDate !== undefined,
    after: q.after !== undefined,
  };
  const shape = Object.values(has).reduce((bits, on, i) => bits | (on ? 1 << i : 0), 0);
  let prepared = listQueries.get(shape);
  if (!prepared) {
    prepared = new PreparedQuery((db, v: ListValues) => {
      let query = db.selectFrom('bookings').selectAll();
      if (has.provider) query = query.where('provider_id', '=', v.providerId!);
      if (has.owner) query = query.where('created_by', '=', v.createdBy!);
      if (has.status) query = query.where('status', '=', v.status!);
      // Local dates are filtered exactly on `date`; the instant bounds around them let the index do the work.
      if (has.from) query = query.where('date', '>=', v.fromDate!).where('starts_at', '>=', v.fromInstant!);
      if (has.to) query = query.where('date', '<=', v.toDate!).where('starts_at', '<', v.toInstant!);
      if (has.after) query = query.where(sql<boolean>`(starts_at, id) > (${v.afterStartsAt}, ${v.afterId})`);
      return query.orderBy('starts_at').orderBy('id').limit(v.limit);
    });
    listQueries.set(shape, prepared);
  }
  return prepared;
}

export class KyselyBookingRepository implements BookingRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async insert(booking: NewBooking): Promise<Booking> {
    try {
      const row = await insertBooking.first(this.db, booking);
      return { ...booking, id: row!.id };
    } catch (error) {
      if (isOverlapViolation(error)) throw new SlotUnavailableError();
      throw error;
    }
  }

  async getById(id: number): Promise<Booking | null> {
    const row = await bookingById.first(this.db, { id });
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
    // No widened span is longer than MAX_BLOCK_MS.
    const values = { providerId, from, to, lowest: from - MAX_BLOCK_MS, excludeId };
    const rows = await (excludeId === undefined ? occupied : occupiedExcluding).all(this.db, values);
    return rows.map((r) => ({ id: r.id, blockStart: r.block_start, blockEnd: r.block_end }));
  }

  async list(q: BookingQuery): Promise<Booking[]> {
    const rows = await listQuery(q).all(this.db, {
      providerId: q.providerId,
      createdBy: q.createdBy,
      status: q.status,
      fromDate: q.fromDate,
      fromInstant: q.fromDate === undefined ? undefined : instantRangeOfDates(q.fromDate, q.fromDate).start,
      toDate: q.toDate,
      toInstant: q.toDate === undefined ? undefined : instantRangeOfDates(q.toDate, q.toDate).end,
      afterStartsAt: q.after?.startsAt,
      afterId: q.after?.id,
      limit: q.limit,
    });
    return rows.map(toDomain);
  }
}
