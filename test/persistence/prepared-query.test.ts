import { sql } from 'kysely';
import { DatabaseHandle, openDatabase } from '../../src/adapters/persistence/database';
import { migrateToLatest } from '../../src/adapters/persistence/migrator';
import { PreparedQuery } from '../../src/adapters/persistence/prepared-query';
import { DIALECTS, DialectName, freshDatabaseUrl } from '../support/databases';

const NOW = Date.parse('2027-03-01T12:00:00Z');

// Queries shared by every database below: each must be compiled for the dialect it runs on.
const insertProvider = new PreparedQuery((db, v: { name: string; email: string; timezone: string }) =>
  db
    .insertInto('providers')
    .values({
      name: v.name,
      email: v.email,
      email_key: v.email,
      timezone: v.timezone,
      default_duration_minutes: 30,
      calendar_token: v.email,
      created_at: NOW,
      updated_at: NOW,
    })
    .returning(['id', 'name', 'timezone', 'default_duration_minutes']),
);

const providersNamed = new PreparedQuery((db, v: { prefix: string; above: number }) =>
  db
    .selectFrom('providers')
    .select(['id', 'name'])
    .where('name', 'like', v.prefix)
    .where('id', '>', v.above)
    .where('timezone', '<>', sql.lit('Mars/Olympus'))
    .orderBy('id'),
);

const insertKey = new PreparedQuery((db, v: { name: string; expiresAt?: number | null }) =>
  db
    .insertInto('api_keys')
    .values({ name: v.name, role: 'client', key_hash: v.name, created_at: NOW, expires_at: v.expiresAt })
    .returning(['id', 'expires_at']),
);

describe('PreparedQuery', () => {
  const handles = new Map<DialectName, DatabaseHandle>();

  beforeAll(async () => {
    for (const dialect of DIALECTS) {
      const handle = openDatabase(await freshDatabaseUrl(dialect));
      await migrateToLatest(handle.db);
      handles.set(dialect, handle);
    }
  });

  afterAll(async () => {
    for (const handle of handles.values()) await handle.close();
  });

  describe.each(DIALECTS)('%s', (dialect) => {
    const db = () => handles.get(dialect)!.db;

    it('runs with each call’s own values and keeps the built query’s constants', async () => {
      const a = await insertProvider.first(db(), { name: `${dialect}-a`, email: `${dialect}-a@x.test`, timezone: 'UTC' });
      const b = await insertProvider.first(db(), { name: `${dialect}-b`, email: `${dialect}-b@x.test`, timezone: 'Asia/Tokyo' });
      expect(a).toMatchObject({ name: `${dialect}-a`, timezone: 'UTC', default_duration_minutes: 30 });
      expect(b).toMatchObject({ name: `${dialect}-b`, timezone: 'Asia/Tokyo', default_duration_minutes: 30 });
      expect(b!.id).toBeGreaterThan(a!.id);

      const built = await db()
        .selectFrom('providers')
        .select(['id', 'name'])
        .where('name', 'like', `${dialect}-%`)
        .where('id', '>', a!.id)
        .orderBy('id')
        .execute();
      expect(await providersNamed.all(db(), { prefix: `${dialect}-%`, above: a!.id })).toEqual(built);
      expect(await providersNamed.all(db(), { prefix: `${dialect}-%`, above: 0 })).toEqual([
        { id: a!.id, name: `${dialect}-a` },
        { id: b!.id, name: `${dialect}-b` },
      ]);
    });

    it('stores NULL for a value left undefined', async () => {
      const dated = await insertKey.first(db(), { name: `${dialect}-dated`, expiresAt: NOW + 1000 });
      const open = await insertKey.first(db(), { name: `${dialect}-open` });
      expect(dated!.expires_at).toBe(NOW + 1000);
      expect(open!.expires_at).toBeNull();
    });

    it('runs inside a transaction, on the transaction’s connection', async () => {
      await expect(
        db()
          .transaction()
          .execute(async (trx) => {
            await insertProvider.first(trx, { name: `${dialect}-rolled-back`, email: `${dialect}-rb@x.test`, timezone: 'UTC' });
            expect(await providersNamed.all(trx, { prefix: `${dialect}-rolled-back`, above: 0 })).toHaveLength(1);
            throw new Error('roll back');
          }),
      ).rejects.toThrow('roll back');
      expect(await providersNamed.all(db(), { prefix: `${dialect}-rolled-back`, above: 0 })).toEqual([]);
    });
  });
});
