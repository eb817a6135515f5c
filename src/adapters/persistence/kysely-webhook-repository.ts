import { Kysely, Selectable } from 'kysely';
import { NewWebhook, WebhookRepository } from '../../application/ports/webhook-repository';
import { BookingEventType } from '../../domain/booking';
import { Webhook } from '../../domain/webhook';
import { Capabilities } from './database';
import { publishUnderLock } from './kysely-booking-event-log';
import { Database, WebhookRow } from './schema';

/** The reason recorded on the undelivered items of a deleted webhook. */
const WEBHOOK_DELETED = 'The webhook was deleted';

function toDomain(row: Selectable<WebhookRow>): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as BookingEventType[],
    secret: row.secret,
    createdAt: row.created_at,
    startAfterEventId: row.start_after_event_id,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

export class KyselyWebhookRepository implements WebhookRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async create(webhook: NewWebhook): Promise<Webhook> {
    return this.db.transaction().execute(async (trx) => {
      if (this.capabilities.dialect === 'postgres') {
        // Every event committed so far gets its feed position first, under the lock that gives positions: the
        // webhook then receives exactly the events committed after it.
        await publishUnderLock(trx);
      }
      const newest = await trx.selectFrom('booking_events').select((eb) => eb.fn.max('position').as('id')).executeTakeFirst();
      const row = await trx
        .insertInto('webhooks')
        .values({
          url: webhook.url,
          events: JSON.stringify(webhook.events),
          secret: webhook.secret,
          start_after_event_id: Number(newest?.id ?? 0),
          created_at: webhook.createdAt,
          deleted_at: null,
          previous_secret: null,
          previous_secret_expires_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDomain(row);
    });
  }

  async getById(id: number): Promise<Webhook | null> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async list(): Promise<Webhook[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null).orderBy('id').execute();
    return rows.map(toDomain);
  }

  async rotateSecret(id: number, secret: string, previousExpiresAt: number): Promise<Webhook | null> {
    // One statement: the secret it replaces is the one stored at that moment, even when two rotations race.
    const row = await this.db
      .updateTable('webhooks')
      .set((eb) => ({ previous_secret: eb.ref('secret'), previous_secret_expires_at: previousExpiresAt, secret }))
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async delete(id: number, at: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const deleted = await trx.updateTable('webhooks').set({ deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (Number(deleted.numUpdatedRows) === 0) return false;
      await trx
        .updateTable('outbox')
        .set({ status: 'discarded', next_attempt_at: null, last_error: WEBHOOK_DELETED, updated_at: at })
        .where('webhook_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      return true;
    });
  }
}
