import { Kysely, sql } from 'kysely';
import { withId } from './support';

// Transactional outbox. Booking events are already written in each change's transaction; a dispatcher reads
// them past a cursor (event ids rise in commit order) and fans each out into one outbox row per webhook and per
// email recipient, then sends due rows and records every attempt. Instants are epoch milliseconds, as in 0001.

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('webhooks'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('start_after_event_id', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();

  await db.schema
    .createTable('outbox_cursors')
    .addColumn('consumer', 'text', (c) => c.primaryKey())
    .addColumn('last_event_id', 'bigint', (c) => c.notNull())
    .execute();
  // Events committed before the outbox existed are history: nothing is sent for them.
  await sql`insert into outbox_cursors (consumer, last_event_id)
    select 'dispatcher', coalesce(max(id), 0) from booking_events`.execute(db);

  await withId(db, db.schema.createTable('outbox'))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('booking_events.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'bigint', (c) => c.references('webhooks.id'))
    .addColumn('recipient', 'text')
    .addColumn('recipient_role', 'text')
    // One row per event and target, so a repeated fan-out cannot send twice: `webhook:<id>` or `email:<role>:<address>`.
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('first_attempt_at', 'bigint')
    .addColumn('claim', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('outbox_event_target', ['event_id', 'target'])
    .addCheckConstraint('outbox_channel_valid', sql`channel in ('webhook', 'email')`)
    .addCheckConstraint('outbox_status_valid', sql`status in ('pending', 'delivered', 'failed', 'discarded')`)
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['next_attempt_at', 'id']).where(sql.ref('status'), '=', 'pending').execute();
  await db.schema.createIndex('outbox_webhook').on('outbox').columns(['webhook_id', 'status']).execute();

  await withId(db, db.schema.createTable('outbox_attempts'))
    .addColumn('outbox_id', 'bigint', (c) => c.notNull().references('outbox.id'))
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('webhook_id', 'bigint')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    .execute();
  await db.schema.createIndex('outbox_attempts_webhook').on('outbox_attempts').columns(['webhook_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['outbox_attempts', 'outbox', 'outbox_cursors', 'webhooks']) {
    await db.schema.dropTable(table).execute();
  }
}
