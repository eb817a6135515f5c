import { Kysely, sql } from 'kysely';

// Delivery lanes: webhooks and email are claimed separately, and customer email is counted per address.

export async function up(db: Kysely<any>): Promise<void> {
  // A lane claims due items of its own channel without walking the other channel's backlog.
  await db.schema
    .createIndex('outbox_due_channel')
    .on('outbox')
    .columns(['channel', 'next_attempt_at', 'id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  // The per-recipient mail limit counts the recent items of one target (`email:customer:<address>`).
  await db.schema.createIndex('outbox_target_recent').on('outbox').columns(['target', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_target_recent').execute();
  await db.schema.dropIndex('outbox_due_channel').execute();
}
