import { Kysely, sql } from 'kysely';
import { isPostgres, withId } from './support';

/** The widest buffer-widened span: 480 minutes of booking and 240 minutes of buffer on each side. */
const MAX_BLOCK_MS = (480 + 240 + 240) * 60_000;

// Instants are epoch milliseconds in BIGINT columns on both databases, so comparisons, ranges and indexes
// behave identically; the provider-local date and wall-clock minutes are kept beside them.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);

  await withId(db, db.schema.createTable('providers'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull().unique())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('default_duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('calendar_token', 'text', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('bookings'))
    .addColumn('provider_id', 'bigint', (c) => c.notNull().references('providers.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('start_minute', 'integer', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('end_minute', 'integer', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('block_start', 'bigint', (c) => c.notNull())
    .addColumn('block_end', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text')
    .addColumn('customer_email', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_by', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('cancelled_at', 'bigint')
    .addCheckConstraint('bookings_span_valid', sql`block_start <= starts_at and starts_at < ends_at and ends_at <= block_end`)
    // 480 minutes of booking and 240 of buffer on each side: the bound lets overlap checks stay index range scans.
    .addCheckConstraint('bookings_block_bounded', sql`block_end - block_start <= ${sql.lit(MAX_BLOCK_MS)}`)
    .addCheckConstraint('bookings_status_valid', sql`status in ('active', 'cancelled')`)
    .execute();

  // Index-backed access paths: one provider's active spans near an instant (availability, overlap checks),
  // and keyset pages in (starts_at, id) order overall, per provider and per creating key.
  await db.schema.createIndex('bookings_active_span').on('bookings').columns(['provider_id', 'block_start']).where(sql.ref('status'), '=', 'active').execute();
  await db.schema.createIndex('bookings_starts').on('bookings').columns(['starts_at', 'id']).execute();
  await db.schema.createIndex('bookings_provider_starts').on('bookings').columns(['provider_id', 'starts_at', 'id']).execute();
  await db.schema.createIndex('bookings_owner_starts').on('bookings').columns(['created_by', 'starts_at', 'id']).execute();

  // No double booking, enforced by the database itself whatever number of processes write.
  if (pg) {
    await sql`create extension if not exists btree_gist`.execute(db);
    await sql`alter table bookings add constraint bookings_no_overlap
      exclude using gist (provider_id with =, int8range(block_start, block_end) with &&) where (status = 'active')`.execute(db);
  } else {
    // The lower bound on b.block_start (no span is longer than MAX_BLOCK_MS, by the check above) keeps the lookup a
    // range scan of the (provider_id, block_start) index instead of a walk through the provider's whole history.
    for (const [name, timing, self] of [
      ['bookings_no_overlap_insert', 'before insert', sql``],
      ['bookings_no_overlap_update', 'before update of block_start, block_end, status, provider_id', sql`and b.id <> new.id`],
    ] as const) {
      await sql`create trigger ${sql.raw(name)} ${sql.raw(timing)} on bookings
        when new.status = 'active'
        begin
          select raise(abort, 'SLOT_UNAVAILABLE') where exists (
            select 1 from bookings b
            where b.provider_id = new.provider_id and b.status = 'active'
              and b.block_start > new.block_start - ${sql.lit(MAX_BLOCK_MS)}
              and b.block_start < new.block_end and new.block_start < b.block_end ${self});
        end`.execute(db);
    }
  }

  await withId(db, db.schema.createTable('booking_events'))
    .addColumn('booking_id', 'bigint', (c) => c.notNull().references('bookings.id'))
    .addColumn('provider_id', 'bigint', (c) => c.notNull())
    .addColumn('booking_owner', 'bigint')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'bigint')
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('booking', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('booking_events_booking').on('booking_events').columns(['booking_id', 'id']).execute();
  await db.schema.createIndex('booking_events_owner').on('booking_events').columns(['booking_owner', 'id']).execute();

  await db.schema
    .createTable('schedules')
    .addColumn('provider_id', 'bigint', (c) => c.primaryKey().references('providers.id'))
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();

  await withId(db, db.schema.createTable('api_keys'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['api_keys', 'idempotency_keys', 'schedules', 'booking_events', 'bookings', 'providers']) {
    await db.schema.dropTable(table).execute();
  }
}
