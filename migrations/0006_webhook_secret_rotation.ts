import { Kysely } from 'kysely';

// Secret rotation: the secret a rotation replaces keeps signing deliveries (beside the new one) until it expires,
// so a receiver can switch secrets without rejecting any event. Instants are epoch milliseconds, as in 0001.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('previous_secret', 'text').execute();
  await db.schema.alterTable('webhooks').addColumn('previous_secret_expires_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('previous_secret_expires_at').execute();
  await db.schema.alterTable('webhooks').dropColumn('previous_secret').execute();
}
