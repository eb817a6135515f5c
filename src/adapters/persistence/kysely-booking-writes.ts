import { Kysely, RawBuilder, sql } from 'kysely';
import { EventRecord, NewBooking, WriteBasis } from '../../application/ports/booking-repository';
import { Booking, isOccupying } from '../../domain/booking';
import { HoldExpiredError } from '../../domain/errors';
import { Placement } from '../../domain/occupancy';
import { DialectName } from './database';
import { moveLanes } from './kysely-agenda-repository';
import { PreparedQuery } from './prepared-query';
import { Database } from './schema';

/**
 * How bookings, their occupancies and their events are written. A view is stored whole, id first: the writes below
 * store `{"id":<id>,` + the rest, with the id as the database gives it.
 */
export interface BookingWrites {
  /** The new booking's id, or null when its basis no longer held (then nothing was written). */
  create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, viewTail: string, basis: WriteBasis): Promise<number | null>;
  /** False when the stored version is not the one before `booking.version` (then nothing was written). */
  update(booking: Booking, placements: readonly Placement[] | null, event: EventRecord, viewTail: string, basis: WriteBasis): Promise<boolean>;
  /** The new booking's id, or null when the hold was not live at `now` (then nothing was written). */
  createFromHold(holdId: number, now: number, booking: NewBooking, event: EventRecord, viewTail: string): Promise<number | null>;
}

/** The columns of a booking row besides its id and view, as named values. */
function bookingValues(b: NewBooking) {
  return {
    provider_id: b.providerId,
    provider_ids: JSON.stringify(b.providerIds),
    service_id: b.serviceId,
    series_id: b.seriesId,
    date: b.date,
    start_minute: b.startMinute,
    duration_minutes: b.durationMinutes,
    end_minute: b.endMinute,
    timezone: b.timezone,
    starts_at: b.startsAt,
    ends_at: b.endsAt,
    status: b.status,
    customer_name: b.customerName,
    customer_email: b.customerEmail,
    notes: b.notes,
    created_by: b.createdBy,
    version: b.version,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    cancelled_at: b.cancelledAt,
    manage_token_hash: b.manageTokenHash,
  };
}

type BookingValues = ReturnType<typeof bookingValues>;
const BOOKING_COLUMNS = Object.keys(bookingValues({ providerIds: [] } as unknown as NewBooking)) as (keyof BookingValues)[];

function eventValues(b: NewBooking, event: EventRecord) {
  return {
    provider_id: b.providerId,
    booking_owner: b.createdBy,
    type: event.type,
    at: event.at,
    actor: event.actor === 'customer' ? null : event.actor,
    actor_kind: event.actor === 'customer' ? 'customer' : null,
    changes: JSON.stringify(event.changes),
  };
}

/** Where a new row's id comes from: PostgreSQL's sequence, or, on SQLite (whose writer holds the file), the next number. */
function nextId(dialect: DialectName, table: 'bookings' | 'booking_events'): RawBuilder<unknown> {
  return dialect === 'postgres' ? sql.raw(`select nextval('${table}_id_seq') as id`) : sql.raw(`select coalesce(max(id), 0) + 1 as id from ${table}`);
}

/** A booking's stored view (`{"id":` + id + `,` + the rest), built in SQL where the id is given there. */
const stored = (id: RawBuilder<unknown>, viewTail: unknown) => sql`'{"id":' || ${id} || ',' || ${viewTail}`;
/** The same view where the id is known: one parameter, so the statement's text never changes (it stays prepared). */
const storedText = (id: number, viewTail: string) => `{"id":${id},${viewTail}`;

// The statements shared by both databases, run inside the caller's transaction; each has a fixed text, built and
// compiled once (see PreparedQuery).

type EventValues = ReturnType<typeof eventValues>;
const EVENT_COLUMNS = Object.keys(eventValues({ providerId: 0, createdBy: null } as NewBooking, { actor: null, changes: {} } as unknown as EventRecord)) as (keyof EventValues)[];

function insertBookingStatement(dialect: DialectName) {
  return new PreparedQuery((_db, v: BookingValues & { viewTail: string }) =>
    sql<{ id: number }>`
      insert into bookings (id, ${sql.join(BOOKING_COLUMNS.map((c) => sql.ref(c)))}, view)
      select n.id, ${sql.join(BOOKING_COLUMNS.map((c) => v[c]))}, ${stored(sql.ref('n.id'), v.viewTail)}
      from (${nextId(dialect, 'bookings')}) n
      returning id`,
  );
}
const INSERT_BOOKING = { sqlite: insertBookingStatement('sqlite'), postgres: insertBookingStatement('postgres') };

function insertEventStatement(dialect: DialectName) {
  // On SQLite the writer holds the file, so ids rise in commit order: the position is the id. On PostgreSQL it is
  // given after commit (publish).
  const position = dialect === 'sqlite' ? sql`n.id` : sql`null`;
  return new PreparedQuery((_db, v: EventValues & { bookingId: number; view: string }) =>
    sql`
      insert into booking_events (id, booking_id, ${sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)))}, booking, position)
      select n.id, ${v.bookingId}, ${sql.join(EVENT_COLUMNS.map((c) => v[c]))}, ${v.view}, ${position}
      from (${nextId(dialect, 'booking_events')}) n`,
  );
}
const INSERT_EVENT = { sqlite: insertEventStatement('sqlite'), postgres: insertEventStatement('postgres') };

const insertOccupancy = new PreparedQuery((db, v: Placement & { startsAt: number; bookingId: number }) =>
  db.insertInto('occupancies').values({
    provider_id: v.providerId,
    lane: v.lane,
    block_start: v.blockStart,
    block_end: v.blockEnd,
    starts_at: v.startsAt,
    booking_id: v.bookingId,
    hold_id: null,
    status: 'occupying',
    expires_at: null,
  }),
);

/** The columns a change of a booking rewrites (who made it, when, and its token never change). */
const UPDATE_COLUMNS = BOOKING_COLUMNS.filter((c) => c !== 'created_by' && c !== 'created_at' && c !== 'manage_token_hash');
const updateBooking = new PreparedQuery((db, v: BookingValues & { id: number; previousVersion: number; view: string }) =>
  db
    .updateTable('bookings')
    .set({ ...Object.fromEntries(UPDATE_COLUMNS.map((c) => [c, v[c]])), view: v.view })
    .where('id', '=', v.id)
    .where('version', '=', v.previousVersion),
);
const dropOccupancies = new PreparedQuery((db, v: { bookingId: number }) => db.deleteFrom('occupancies').where('booking_id', '=', v.bookingId));
const releaseOccupancies = new PreparedQuery((db, v: { bookingId: number }) =>
  db.updateTable('occupancies').set({ status: 'released' }).where('booking_id', '=', v.bookingId).where('status', '=', sql.lit('occupying')),
);

async function insertBooking(db: Kysely<Database>, dialect: DialectName, b: NewBooking, viewTail: string): Promise<number> {
  const row = await INSERT_BOOKING[dialect].first(db, { ...bookingValues(b), viewTail });
  return Number(row!.id);
}

async function insertEvent(db: Kysely<Database>, dialect: DialectName, bookingId: number, b: NewBooking, event: EventRecord, viewTail: string): Promise<void> {
  await INSERT_EVENT[dialect].execute(db, { ...eventValues(b, event), bookingId, view: storedText(bookingId, viewTail) });
}

async function insertOccupancies(db: Kysely<Database>, bookingId: number, placements: readonly Placement[], startsAt: number): Promise<void> {
  for (const p of placements) await insertOccupancy.execute(db, { ...p, startsAt, bookingId });
}

/** Frees the lanes a write needs: expired holds released, other occupancies moved (the latter only under lock). */
function prepareLanes(db: Kysely<Database>, basis: WriteBasis): Promise<void> {
  return moveLanes(db, basis.laneChanges ?? [], basis.expired);
}

/**
 * True when every provider still has the revision the decision was judged against. The providers' rows are locked
 * (in id order) until the write commits: writes of one provider take turns, so that two of them never wait on each
 * other's occupancies (an exclusion constraint checks after inserting, and two conflicting inserts would deadlock),
 * while writes of different providers never wait at all.
 */
export async function revisionsHold(db: Kysely<Database>, dialect: DialectName, revisions: ReadonlyMap<number, number>): Promise<boolean> {
  if (revisions.size === 0) return true;
  let read = db.selectFrom('providers').select(['id', 'revision']).where('id', 'in', [...revisions.keys()]).orderBy('id');
  if (dialect === 'postgres') read = read.forNoKeyUpdate();
  const rows = await read.execute();
  return rows.length === revisions.size && rows.every((r) => revisions.get(r.id) === r.revision);
}

abstract class StatementBookingWrites implements BookingWrites {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: DialectName,
    /** Inside a transaction that locked what the decision read: nothing to check, nothing to wrap. */
    protected readonly locking: boolean,
  ) {}

  /** Runs a write of several statements in a transaction of its own, unless it is already inside one. */
  protected whole<T>(write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.locking ? write(this.db) : this.db.transaction().execute(write);
  }

  abstract create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, viewTail: string, basis: WriteBasis): Promise<number | null>;

  update(booking: Booking, placements: readonly Placement[] | null, event: EventRecord, viewTail: string, basis: WriteBasis): Promise<boolean> {
    return this.whole((db) => this.updateIn(db, booking, placements, event, viewTail, basis));
  }

  private async updateIn(db: Kysely<Database>, booking: Booking, placements: readonly Placement[] | null, event: EventRecord, viewTail: string, basis: WriteBasis): Promise<boolean> {
    if (!this.locking && placements !== null && !(await revisionsHold(db, this.dialect, basis.revisions))) return false;
    const result = await updateBooking.execute(db, { ...bookingValues(booking), id: booking.id, previousVersion: booking.version - 1, view: storedText(booking.id, viewTail) });
    if (Number(result.numAffectedRows) !== 1) return false;
    if (placements !== null && isOccupying(booking.status)) {
      // A moved booking keeps no row of its old spans: lists find a provider's bookings through these rows, one per
      // provider it takes. Gone first, then taken again: a booking moved within its own span never meets itself.
      await dropOccupancies.execute(db, { bookingId: booking.id });
      await prepareLanes(db, basis);
      await insertOccupancies(db, booking.id, placements, booking.startsAt);
    } else if (!isOccupying(booking.status)) {
      await releaseOccupancies.execute(db, { bookingId: booking.id });
    }
    await insertEvent(db, this.dialect, booking.id, booking, event, viewTail);
    return true;
  }

  createFromHold(holdId: number, now: number, booking: NewBooking, event: EventRecord, viewTail: string): Promise<number | null> {
    return this.whole((db) => this.createFromHoldIn(db, holdId, now, booking, event, viewTail));
  }

  private async createFromHoldIn(db: Kysely<Database>, holdId: number, now: number, booking: NewBooking, event: EventRecord, viewTail: string): Promise<number | null> {
    const converted = await db
      .updateTable('holds')
      .set({ status: 'converted' })
      .where('id', '=', holdId)
      .where('status', '=', 'live')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(converted.numUpdatedRows) !== 1) return null;
    const id = await insertBooking(db, this.dialect, booking, viewTail);
    // A writer whose clock had passed `expires_at` may have released the hold's lanes (and taken them) since `now` was
    // read: the hold then ended as expired. Only lanes still occupying pass to the booking (the update waits for
    // such a writer and sees what it did), and a missing one undoes the conversion.
    const taken = await db
      .updateTable('occupancies')
      .set({ booking_id: id, hold_id: null, expires_at: null })
      .where('hold_id', '=', holdId)
      .where('status', '=', 'occupying')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== booking.providerIds.length) throw new HoldExpiredError();
    await insertEvent(db, this.dialect, id, booking, event, viewTail);
    return id;
  }
}

/** SQLite: every write runs inside the transaction that holds the file's write lock; statements cost microseconds. */
export class SqliteBookingWrites extends StatementBookingWrites {
  constructor(db: Kysely<Database>, locking: boolean) {
    super(db, 'sqlite', locking);
  }

  create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, viewTail: string, basis: WriteBasis): Promise<number | null> {
    return this.whole(async (db) => {
      if (!this.locking && !(await revisionsHold(db, this.dialect, basis.revisions))) return null;
      await prepareLanes(db, basis);
      const id = await insertBooking(db, this.dialect, booking, viewTail);
      await insertOccupancies(db, id, placements, booking.startsAt);
      await insertEvent(db, this.dialect, id, booking, event, viewTail);
      return id;
    });
  }
}

interface CreateValues extends BookingValues {
  viewTail: string;
  revisionIds: number[];
  revisions: number[];
  revisionCount: number;
  laneProviders: number[];
  lanes: number[];
  blockStarts: number[];
  blockEnds: number[];
  eventType: string;
  eventAt: number;
  actor: number | null;
  actorKind: string | null;
  changes: string;
}

/**
 * PostgreSQL: a new booking, its occupancies and its event in one statement, so that deciding and writing a booking
 * costs two round trips (read, write) outside a transaction. The write locks the providers' rows for its own short
 * life (see `revisionsHold`) and goes ahead only while their revisions are the ones judged against; the exclusion
 * constraint on lanes refuses a lane another write took meanwhile. Inside a locking transaction the rows are already
 * held: no check is needed.
 */
function createStatement(checkRevisions: boolean) {
  return new PreparedQuery((db, v: CreateValues) => {
    const ok = checkRevisions
      ? sql`select count(*) = ${v.revisionCount} as fine from (
          select p.id from providers p
            join unnest(${v.revisionIds}::bigint[], ${v.revisions}::bigint[]) as r(id, revision) on p.id = r.id and p.revision = r.revision
           order by p.id for no key update of p) checked`
      : sql`select true as fine`;
    return sql<{ id: number }>`
      with ok as (${ok}),
      n as (select nextval('bookings_id_seq') as id from ok where ok.fine),
      b as (
        insert into bookings (id, ${sql.join(BOOKING_COLUMNS.map((c) => sql.ref(c)))}, view)
        select n.id, ${sql.join(BOOKING_COLUMNS.map((c) => v[c]))}, ${stored(sql.ref('n.id'), v.viewTail)} from n
        returning id),
      o as (
        insert into occupancies (provider_id, lane, block_start, block_end, starts_at, booking_id, status)
        select u.provider_id, u.lane, u.block_start, u.block_end, ${v.starts_at}, b.id, 'occupying'
          from b, unnest(${v.laneProviders}::bigint[], ${v.lanes}::int[], ${v.blockStarts}::bigint[], ${v.blockEnds}::bigint[])
                  as u(provider_id, lane, block_start, block_end)),
      e as (
        insert into booking_events (booking_id, provider_id, booking_owner, type, at, actor, actor_kind, changes, booking)
        select b.id, ${v.provider_id}, ${v.created_by}, ${v.eventType}, ${v.eventAt}, ${v.actor}, ${v.actorKind}, ${v.changes},
               ${stored(sql.ref('b.id'), v.viewTail)} from b)
      select id from b`;
  });
}

const checkedCreate = createStatement(true);
const lockedCreate = createStatement(false);

export class PostgresBookingWrites extends StatementBookingWrites {
  constructor(db: Kysely<Database>, locking: boolean) {
    super(db, 'postgres', locking);
  }

  async create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, viewTail: string, basis: WriteBasis): Promise<number | null> {
    await prepareLanes(this.db, basis);
    const values: CreateValues = {
      ...bookingValues(booking),
      viewTail,
      revisionIds: [...basis.revisions.keys()],
      revisions: [...basis.revisions.values()],
      revisionCount: basis.revisions.size,
      laneProviders: placements.map((p) => p.providerId),
      lanes: placements.map((p) => p.lane),
      blockStarts: placements.map((p) => p.blockStart),
      blockEnds: placements.map((p) => p.blockEnd),
      eventType: event.type,
      eventAt: event.at,
      actor: event.actor === 'customer' ? null : event.actor,
      actorKind: event.actor === 'customer' ? 'customer' : null,
      changes: JSON.stringify(event.changes),
    };
    const row = await (this.locking ? lockedCreate : checkedCreate).first(this.db, values);
    return row ? Number(row.id) : null;
  }
}
