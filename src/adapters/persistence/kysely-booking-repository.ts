import { Kysely, Selectable, sql } from 'kysely';
import {
  BookingQuery,
  BookingRepository,
  EventRecord,
  NewBooking,
  StoredView,
  WriteBasis,
} from '../../application/ports/booking-repository';
import { StaleDecisionError } from '../../application/ports/unit-of-work';
import { BookingView } from '../../application/views';
import { Booking, BookingStatus } from '../../domain/booking';
import { instantRangeOfDates } from '../../domain/booking-policy';
import { HoldExpiredError } from '../../domain/errors';
import { Placement } from '../../domain/occupancy';
import { Capabilities } from './database';
import { PostgresBookingWrites, SqliteBookingWrites, BookingWrites } from './kysely-booking-writes';
import { isLaneViolation } from './kysely-errors';
import { PreparedQuery } from './prepared-query';
import { BookingRow, Database } from './schema';

type SpanColumns = 'provider_id' | 'provider_ids' | 'service_id' | 'date' | 'start_minute' | 'duration_minutes' | 'end_minute' | 'timezone' | 'starts_at' | 'ends_at';

/** What a booking and a hold share: the providers and service they take, and the span, as their rows store them. */
export function spanFromRow(row: Pick<Selectable<BookingRow>, SpanColumns>) {
  return {
    providerId: row.provider_id,
    providerIds: JSON.parse(row.provider_ids) as number[],
    serviceId: row.service_id,
    date: row.date,
    startMinute: row.start_minute,
    durationMinutes: row.duration_minutes,
    endMinute: row.end_minute,
    timezone: row.timezone,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
  };
}

export function bookingFromRow(row: Selectable<BookingRow>): Booking {
  return {
    id: row.id,
    ...spanFromRow(row),
    seriesId: row.series_id,
    status: row.status as BookingStatus,
    customerName: row.customer_name,
    customerEmail: row.customer_email,
    notes: row.notes,
    createdBy: row.created_by,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    cancelledAt: row.cancelled_at,
    manageTokenHash: row.manage_token_hash,
  };
}

/** A view as stored: its JSON text. The id leads, so a write can store it before the id exists (see the writes). */
export function viewTail(view: Omit<BookingView, 'id'>): string {
  return JSON.stringify(view).slice(1);
}

const bookingById = new PreparedQuery((db, v: { id: number }) => db.selectFrom('bookings').selectAll().where('id', '=', v.id));

interface ListValues {
  providerId?: number;
  serviceId?: number;
  seriesId?: number;
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

type Filters = Record<'provider' | 'service' | 'series' | 'owner' | 'status' | 'from' | 'to' | 'after', boolean>;

/**
 * A page of bookings in (starts_at, id) order. A provider's bookings are found through its occupancies (a booking
 * takes several providers), each of which carries the booking's start; other filters read the bookings themselves.
 */
function listQuery(has: Filters, columns: 'all' | 'views') {
  return new PreparedQuery((db, v: ListValues) => {
    let q = has.provider
      ? db
          .selectFrom('occupancies as o')
          .innerJoin('bookings as b', 'b.id', 'o.booking_id')
          .where('o.provider_id', '=', v.providerId!)
          .where('o.booking_id', 'is not', null)
      : db.selectFrom('bookings as b');
    const startsAt = has.provider ? sql.ref('o.starts_at') : sql.ref('b.starts_at');
    const id = has.provider ? sql.ref('o.booking_id') : sql.ref('b.id');
    if (has.service) q = q.where('b.service_id', '=', v.serviceId!);
    if (has.series) q = q.where('b.series_id', '=', v.seriesId!);
    if (has.owner) q = q.where('b.created_by', '=', v.createdBy!);
    if (has.status) q = q.where('b.status', '=', v.status!);
    // Local dates are filtered exactly on `date`; the instant bounds around them let the index do the work.
    if (has.from) q = q.where('b.date', '>=', v.fromDate!).where(startsAt, '>=', v.fromInstant!);
    if (has.to) q = q.where('b.date', '<=', v.toDate!).where(startsAt, '<', v.toInstant!);
    if (has.after) q = q.where(sql<boolean>`(${startsAt}, ${id}) > (${v.afterStartsAt}, ${v.afterId})`);
    const selected = columns === 'all' ? q.selectAll('b') : q.select(['b.id', 'b.starts_at', 'b.view']);
    return selected.orderBy(startsAt).orderBy(id).limit(v.limit);
  });
}

/** One prepared list query per combination of filters and columns (the filters present change the SQL). */
const listQueries = new Map<string, PreparedQuery<ListValues, Selectable<BookingRow>>>();

function preparedList(q: BookingQuery, columns: 'all' | 'views'): PreparedQuery<ListValues, Selectable<BookingRow>> {
  const has: Filters = {
    provider: q.providerId !== undefined,
    service: q.serviceId !== undefined,
    series: q.seriesId !== undefined,
    owner: q.createdBy !== undefined,
    status: q.status !== 'all',
    from: q.fromDate !== undefined,
    to: q.toDate !== undefined,
    after: q.after !== undefined,
  };
  const key = `${columns}:${Object.values(has).map(Number).join('')}`;
  let prepared = listQueries.get(key);
  if (!prepared) {
    prepared = listQuery(has, columns) as unknown as PreparedQuery<ListValues, Selectable<BookingRow>>;
    listQueries.set(key, prepared);
  }
  return prepared;
}

function listValues(q: BookingQuery): ListValues {
  return {
    providerId: q.providerId,
    serviceId: q.serviceId,
    seriesId: q.seriesId,
    createdBy: q.createdBy,
    status: q.status,
    fromDate: q.fromDate,
    fromInstant: q.fromDate === undefined ? undefined : instantRangeOfDates(q.fromDate, q.fromDate).start,
    toDate: q.toDate,
    toInstant: q.toDate === undefined ? undefined : instantRangeOfDates(q.toDate, q.toDate).end,
    afterStartsAt: q.after?.startsAt,
    afterId: q.after?.id,
    limit: q.limit,
  };
}

export class KyselyBookingRepository implements BookingRepository {
  private readonly writes: BookingWrites;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    /** Inside a transaction that locks what it reads (`UnitOfWork.run`). */
    private readonly locking: boolean,
  ) {
    this.writes = capabilities.dialect === 'postgres' ? new PostgresBookingWrites(db, locking) : new SqliteBookingWrites(db, locking);
  }

  async create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): Promise<number> {
    try {
      const id = await this.writes.create(booking, placements, event, viewTail(view), basis);
      if (id === null) throw new StaleDecisionError('a provider’s rules changed');
      return id;
    } catch (error) {
      if (isLaneViolation(error)) throw new StaleDecisionError('a lane was taken');
      throw error;
    }
  }

  async update(booking: Booking, placements: readonly Placement[] | null, event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): Promise<void> {
    try {
      const written = await this.writes.update(booking, placements, event, viewTail(view), basis);
      if (!written) throw new StaleDecisionError('the booking or a provider’s rules changed');
    } catch (error) {
      if (isLaneViolation(error)) throw new StaleDecisionError('a lane was taken');
      throw error;
    }
  }

  async createFromHold(holdId: number, now: number, booking: NewBooking, event: EventRecord, view: Omit<BookingView, 'id'>): Promise<number> {
    const id = await this.writes.createFromHold(holdId, now, booking, event, viewTail(view));
    if (id === null) throw new HoldExpiredError();
    return id;
  }

  async getById(id: number): Promise<Booking | null> {
    const row = await bookingById.first(this.db, { id });
    return row ? bookingFromRow(row) : null;
  }

  async getForUpdate(id: number): Promise<Booking | null> {
    let query = this.db.selectFrom('bookings').selectAll().where('id', '=', id);
    if (this.locking && this.capabilities.rowLocks) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? bookingFromRow(row) : null;
  }

  async list(q: BookingQuery): Promise<Booking[]> {
    const rows = await preparedList(q, 'all').all(this.db, listValues(q));
    return rows.map(bookingFromRow);
  }

  async listViews(q: BookingQuery): Promise<StoredView[]> {
    const rows = await preparedList(q, 'views').all(this.db, listValues(q));
    return rows.map((r) => ({ id: r.id, startsAt: r.starts_at, json: r.view }));
  }
}
