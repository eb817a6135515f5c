import { Kysely } from 'kysely';

// Links in emails: the key that manage tokens are derived from (HMAC of the booking id), so the outbox can put a
// customer's link in a message long after the request without any token being stored. One row per key name, made
// by whichever instance starts first; the others read it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('service_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_keys').execute();
}
