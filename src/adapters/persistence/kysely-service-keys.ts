import { randomBytes } from 'node:crypto';
import { Kysely } from 'kysely';
import { Clock } from '../../application/ports/clock';
import { ServiceKeys } from '../../application/ports/service-keys';
import { Database } from './schema';

/** Keys stored in `service_keys`. */
export class KyselyServiceKeys implements ServiceKeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async obtain(name: string): Promise<Buffer> {
    // Instances starting together each offer a key; the primary key keeps the first, and all read that one back.
    await this.db
      .insertInto('service_keys')
      .values({ name, key: randomBytes(32).toString('base64url'), created_at: this.clock.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('service_keys').select('key').where('name', '=', name).executeTakeFirstOrThrow();
    return Buffer.from(row.key, 'base64url');
  }
}
