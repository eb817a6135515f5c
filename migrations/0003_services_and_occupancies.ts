import { Kysely, sql } from 'kysely';
import { bookingView } from '../src/application/views';
import { Booking, BookingStatus } from '../src/domain/booking';
import { LuxonTimeZones } from '../src/adapters/time/luxon-time-zones';
import { isPostgres, withId } from './support';

// Part 2 of the contract: services and their pools, capacity, holds, approval, series, change policies and the
// customers' manage tokens. A booking no longer carries its span on one provider: what it takes on each of its
// providers is an occupancy, on one of the provider's `capacity` lanes, and the no-overlap rule moves there as
// (provider, lane, span). Every booking also keeps its public view, written with each change, so that lists read
// one column. The event feed gets positions that may be given after commit (see kysely-booking-event-log.ts).

/** The widest widened span: 480 minutes of booking and 240 minutes of buffer on each side. */
const MAX_BLOCK_MS = (480 + 240 + 240) * 60_000;

const BOOKING_COLUMNS = `id integer primary key,
  provider_id bigint not null references providers(id),
  provider_ids text not null,
  service_id bigint references services(id),
  series_id bigint references booking_series(id),
  date text not null,
  start_minute integer not null,
  duration_minutes integer not null,
  end_minute integer not null,
  timezone text not null,
  starts_at bigint not null,
  ends_at bigint not null,
  status text not null constraint bookings_status_valid check (status in ('active', 'pending', 'cancelled', 'declined')),
  customer_name text,
  customer_email text,
  notes text,
  created_by bigint,
  version integer not null,
  created_at bigint not null,
  updated_at bigint not null,
  cancelled_at bigint,
  manage_token_hash text,
  view text not null,
  constraint bookings_span_valid check (starts_at < ends_at)`;

const COPIED = [
  'id', 'provider_id', 'date', 'start_minute', 'duration_minutes', 'end_minute', 'timezone', 'starts_at', 'ends_at', 'status',
  'customer_name', 'customer_email', 'notes', 'created_by', 'version', 'created_at', 'updated_at', 'cancelled_at',
].join(', ');

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);

  await db.schema.alterTable('providers').addColumn('capacity', 'integer', (c) => c.notNull().defaultTo(1)).execute();

  await withId(db, db.schema.createTable('services'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('slot_interval_minutes', 'integer', (c) => c.notNull())
    .addColumn('requires_confirmation', 'integer', (c) => c.notNull())
    .addColumn('min_cancel_notice_minutes', 'integer', (c) => c.notNull())
    .addColumn('min_reschedule_notice_minutes', 'integer', (c) => c.notNull())
    // JSON: provider ids, one list per pool.
    .addColumn('pools', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();

  await withId(db, db.schema.createTable('booking_series'))
    .addColumn('repeat', 'text', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('holds'))
    .addColumn('provider_id', 'bigint', (c) => c.notNull().references('providers.id'))
    .addColumn('provider_ids', 'text', (c) => c.notNull())
    .addColumn('service_id', 'bigint', (c) => c.references('services.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('start_minute', 'integer', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('end_minute', 'integer', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('holds_status_valid', sql`status in ('live', 'released', 'converted')`)
    .execute();

  await withId(db, db.schema.createTable('occupancies'))
    .addColumn('provider_id', 'bigint', (c) => c.notNull().references('providers.id'))
    .addColumn('lane', 'integer', (c) => c.notNull())
    .addColumn('block_start', 'bigint', (c) => c.notNull())
    .addColumn('block_end', 'bigint', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('booking_id', 'bigint', (c) => c.references('bookings.id'))
    .addColumn('hold_id', 'bigint', (c) => c.references('holds.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addCheckConstraint('occupancies_owner', sql`(booking_id is null) <> (hold_id is null)`)
    // Bounded spans keep overlap checks index range scans. Negative lanes exist only inside a transaction that
    // moves occupancies between lanes (see kysely-agenda-repository.ts).
    .addCheckConstraint('occupancies_span_valid', sql`block_start < block_end and block_end - block_start <= ${sql.lit(MAX_BLOCK_MS)}`)
    .addCheckConstraint('occupancies_lane_valid', sql`lane <> 0 and lane between -1000 and 1000`)
    .addCheckConstraint('occupancies_status_valid', sql`status in ('occupying', 'released')`)
    .execute();
  await sql`insert into occupancies (provider_id, lane, block_start, block_end, starts_at, booking_id, status)
    select provider_id, 1, block_start, block_end, starts_at, id, case when status = 'active' then 'occupying' else 'released' end
    from bookings order by id`.execute(db);

  if (pg) {
    await sql`alter table bookings
      add column provider_ids text, add column service_id bigint references services(id),
      add column series_id bigint references booking_series(id), add column manage_token_hash text, add column view text,
      drop constraint bookings_no_overlap, drop constraint bookings_status_valid,
      add constraint bookings_status_valid check (status in ('active', 'pending', 'cancelled', 'declined')),
      drop column block_start, drop column block_end`.execute(db);
    await sql`update bookings set provider_ids = '[' || provider_id || ']'`.execute(db);
    await sql`drop index bookings_provider_starts`.execute(db);
  } else {
    // SQLite cannot change a CHECK constraint or drop a column that one names: the table is built again. Its rows
    // leave and come back within this transaction, with foreign keys deferred to the commit, by when they are back.
    await sql`pragma defer_foreign_keys = on`.execute(db);
    await sql.raw(`create table bookings_before as select * from bookings`).execute(db);
    await sql`drop table bookings`.execute(db);
    await sql.raw(`create table bookings (${BOOKING_COLUMNS})`).execute(db);
    await sql.raw(`insert into bookings (${COPIED}, provider_ids, view)
      select ${COPIED}, '[' || provider_id || ']', '' from bookings_before order by id`).execute(db);
    await sql`drop table bookings_before`.execute(db);
  }
  await renderViews(db);
  if (pg) {
    await sql`alter table bookings alter column provider_ids set not null, alter column view set not null`.execute(db);
  } else {
    await db.schema.createIndex('bookings_starts').on('bookings').columns(['starts_at', 'id']).execute();
    await db.schema.createIndex('bookings_owner_starts').on('bookings').columns(['created_by', 'starts_at', 'id']).execute();
  }
  await db.schema.createIndex('bookings_service_starts').on('bookings').columns(['service_id', 'starts_at', 'id']).where(sql.ref('service_id'), 'is not', null).execute();
  await db.schema.createIndex('bookings_series_starts').on('bookings').columns(['series_id', 'starts_at', 'id']).where(sql.ref('series_id'), 'is not', null).execute();

  // Occupancies: what overlaps near an instant (judging, availability), and a provider's bookings in (starts_at, id)
  // order for lists. Statuses are literals: SQLite applies a partial index only to a query that names the literal.
  await db.schema.createIndex('occupancies_live_span').on('occupancies').columns(['provider_id', 'block_start']).where(sql.ref('status'), '=', sql.lit('occupying')).execute();
  await db.schema.createIndex('occupancies_provider_starts').on('occupancies').columns(['provider_id', 'starts_at', 'booking_id']).where(sql.ref('booking_id'), 'is not', null).execute();
  await db.schema.createIndex('occupancies_booking').on('occupancies').column('booking_id').where(sql.ref('booking_id'), 'is not', null).execute();
  await db.schema.createIndex('occupancies_hold').on('occupancies').column('hold_id').where(sql.ref('hold_id'), 'is not', null).execute();

  // No provider holds two occupancies on one lane at once, and no lane above its capacity is ever taken: at no instant
  // do more than `capacity` bookings and live holds overlap, whatever number of processes write. Expired holds keep
  // their lane until a writer that needs it releases them (in its own transaction).
  if (pg) {
    await sql`alter table occupancies add constraint occupancies_no_overlap
      exclude using gist (provider_id with =, lane with =, int8range(block_start, block_end) with &&) where (status = 'occupying')`.execute(db);
    await sql`create function occupancies_lane_within_capacity() returns trigger language plpgsql as $$
      begin
        if new.lane > (select capacity from providers where id = new.provider_id) then
          raise exception 'lane % is above the capacity of provider %', new.lane, new.provider_id using errcode = '23514';
        end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger occupancies_lane_within_capacity before insert or update of lane, status on occupancies
      for each row when (new.status = 'occupying' and new.lane > 1) execute function occupancies_lane_within_capacity()`.execute(db);
  } else {
    // The lower bound on o.block_start (no span is longer than MAX_BLOCK_MS, by the check above) keeps the lookup a
    // range scan of occupancies_live_span instead of a walk through the provider's whole history.
    for (const [name, timing, self] of [
      ['occupancies_no_overlap_insert', 'before insert', sql``],
      ['occupancies_no_overlap_update', 'before update of provider_id, lane, block_start, block_end, status', sql`and o.id <> new.id`],
    ] as const) {
      await sql`create trigger ${sql.raw(name)} ${sql.raw(timing)} on occupancies
        when new.status = 'occupying'
        begin
          select raise(abort, 'SLOT_UNAVAILABLE') where exists (
            select 1 from occupancies o
            where o.provider_id = new.provider_id and o.status = 'occupying' and o.lane = new.lane
              and o.block_start > new.block_start - ${sql.lit(MAX_BLOCK_MS)}
              and o.block_start < new.block_end and new.block_start < o.block_end ${self});
        end`.execute(db);
    }
    for (const [name, timing] of [
      ['occupancies_lane_within_capacity_insert', 'before insert'],
      ['occupancies_lane_within_capacity_update', 'before update of lane, status'],
    ] as const) {
      await sql`create trigger ${sql.raw(name)} ${sql.raw(timing)} on occupancies
        when new.status = 'occupying' and new.lane > 1
        begin
          select raise(abort, 'LANE_ABOVE_CAPACITY') where new.lane > (select capacity from providers where id = new.provider_id);
        end`.execute(db);
    }
  }

  // Feed positions: on PostgreSQL given after commit by readers (null until then), on SQLite equal to the id.
  await db.schema.alterTable('booking_events').addColumn('position', 'bigint').execute();
  await db.schema.alterTable('booking_events').addColumn('actor_kind', 'text').execute();
  await sql`update booking_events set position = id`.execute(db);
  await db.schema.createIndex('booking_events_position').on('booking_events').column('position').unique().execute();
  await db.schema.dropIndex('booking_events_owner').execute();
  await db.schema.createIndex('booking_events_owner').on('booking_events').columns(['booking_owner', 'position']).execute();
  if (pg) {
    await db.schema.createIndex('booking_events_unpublished').on('booking_events').column('id').where(sql.ref('position'), 'is', null).execute();
    // Outbox items name the event by its position, the id readers see.
    await sql`alter table outbox drop constraint outbox_event_id_fkey,
      add constraint outbox_event_position_fkey foreign key (event_id) references booking_events (position)`.execute(db);
  }
}

interface StoredRow extends Record<string, unknown> {
  id: number;
}

/** The public view of every booking, as this code renders it. */
async function renderViews(db: Kysely<any>): Promise<void> {
  const zones = new LuxonTimeZones();
  let after = 0;
  for (;;) {
    const rows = (await sql<StoredRow>`select * from bookings where id > ${after} order by id limit 500`.execute(db)).rows;
    if (rows.length === 0) return;
    for (const r of rows) {
      const n = (v: unknown) => (v === null ? null : Number(v));
      const booking: Booking = {
        id: Number(r.id),
        providerId: Number(r.provider_id),
        providerIds: [Number(r.provider_id)],
        serviceId: null,
        seriesId: null,
        date: String(r.date),
        startMinute: Number(r.start_minute),
        durationMinutes: Number(r.duration_minutes),
        endMinute: Number(r.end_minute),
        timezone: String(r.timezone),
        startsAt: Number(r.starts_at),
        endsAt: Number(r.ends_at),
        status: r.status as BookingStatus,
        customerName: r.customer_name as string | null,
        customerEmail: r.customer_email as string | null,
        notes: r.notes as string | null,
        createdBy: n(r.created_by),
        version: Number(r.version),
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
        cancelledAt: n(r.cancelled_at),
        manageTokenHash: null,
      };
      await sql`update bookings set view = ${JSON.stringify(bookingView(booking, zones))} where id = ${booking.id}`.execute(db);
    }
    after = Number(rows[rows.length - 1].id);
  }
}

export async function down(): Promise<void> {
  throw new Error('0003_services_and_occupancies cannot be undone: bookings of several providers, capacity and holds have no earlier form');
}
