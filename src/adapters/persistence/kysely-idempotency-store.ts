import { Kysely } from 'kysely';
import { ClaimResult, IdempotencyStore, StoredOutcome } from '../../application/ports/idempotency-store';
import { Database } from './schema';

export class KyselyIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(scope: string, key: string, fingerprint: string, now: number, expiresAt: number, staleBefore: number): Promise<ClaimResult> {
    const fresh = { fingerprint, state: 'pending', outcome: null, claimed_at: now, expires_at: expiresAt };
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ scope, key, ...fresh })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { state: 'claimed' };

    // Take over an expired record or an abandoned claim; the WHERE makes the take-over atomic.
    const takenOver = await this.db
      .updateTable('idempotency_keys')
      .set(fresh)
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb.and([eb('state', '=', 'pending'), eb('claimed_at', '<', staleBefore)])]))
      .executeTakeFirst();
    if (Number(takenOver.numUpdatedRows) > 0) return { state: 'claimed' };

    const row = await this.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!row) return this.claim(scope, key, fingerprint, now, expiresAt, staleBefore);
    if (row.state === 'done' && row.outcome !== null) {
      return { state: 'done', fingerprint: row.fingerprint, outcome: JSON.parse(row.outcome) as StoredOutcome };
    }
    return { state: 'pending', fingerprint: row.fingerprint };
  }

  async complete(scope: string, key: string, outcome: StoredOutcome): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', outcome: JSON.stringify(outcome) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).where('state', '=', 'pending').execute();
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
