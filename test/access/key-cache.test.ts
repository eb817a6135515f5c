import { sql } from 'kysely';
import { InMemoryState } from '../../src/adapters/in-memory/in-memory-state';
import { InMemoryUnitOfWork, inMemoryRepositories } from '../../src/adapters/in-memory/in-memory-unit-of-work';
import { LocalKeyRevocations } from '../../src/adapters/in-memory/local-key-revocations';
import { PostgresKeyRevocations } from '../../src/adapters/persistence/postgres-key-revocations';
import { NodeCryptoSecrets } from '../../src/adapters/system/node-crypto-secrets';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { Authenticate, CreateApiKey, KEY_CACHE_TTL_MS, RevokeApiKey } from '../../src/application/use-cases/api-keys';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { UnauthenticatedError } from '../../src/domain/errors';
import { BookingService, createService } from '../../src/service';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';

const T0 = Date.parse('2027-01-04T09:00:00Z');

describe('Authenticate keeps the keys it has read until a revocation', () => {
  function setUp() {
    const state = new InMemoryState();
    const repos = inMemoryRepositories(state);
    let reads = 0;
    const findByHash = repos.apiKeys.findByHash.bind(repos.apiKeys);
    repos.apiKeys.findByHash = (hash) => {
      reads++;
      return findByHash(hash);
    };
    const clock = new FixedClock(T0);
    const secrets = new NodeCryptoSecrets();
    const revocations = new LocalKeyRevocations();
    return {
      state,
      repos,
      clock,
      reads: () => reads,
      create: new CreateApiKey(repos, clock, secrets),
      authenticate: new Authenticate(repos, clock, secrets, revocations),
      revoke: new RevokeApiKey(new InMemoryUnitOfWork(state), clock, revocations),
      uncached: new Authenticate(repos, clock, secrets),
    };
  }

  it('reads a key once, then answers from what it kept', async () => {
    const t = setUp();
    const { apiKey, secret } = await t.create.execute({ actor: SYSTEM_ACTOR, name: 'k', role: 'client' });
    for (let i = 0; i < 5; i++) expect(await t.authenticate.execute({ secret })).toEqual({ keyId: apiKey.id, role: 'client' });
    expect(t.reads()).toBe(1);
    // Without a revocation signal nothing is kept.
    for (let i = 0; i < 3; i++) await t.uncached.execute({ secret });
    expect(t.reads()).toBe(4);
  });

  it('refuses a key at once after this process revokes it', async () => {
    const t = setUp();
    const { apiKey, secret } = await t.create.execute({ actor: SYSTEM_ACTOR, name: 'k', role: 'client' });
    const other = await t.create.execute({ actor: SYSTEM_ACTOR, name: 'other', role: 'admin' });
    await t.authenticate.execute({ secret });
    await t.authenticate.execute({ secret: other.secret });
    await t.revoke.execute({ actor: SYSTEM_ACTOR, id: apiKey.id });
    await expect(t.authenticate.execute({ secret })).rejects.toBeInstanceOf(UnauthenticatedError);
    // Keys not revoked still work, read again once.
    const before = t.reads();
    await t.authenticate.execute({ secret: other.secret });
    await t.authenticate.execute({ secret: other.secret });
    expect(t.reads()).toBe(before + 1);
  });

  it('checks expiry on every use of a kept key', async () => {
    const t = setUp();
    const { secret } = await t.create.execute({ actor: SYSTEM_ACTOR, name: 'k', role: 'client', expiresAt: T0 + 1_000 });
    await t.authenticate.execute({ secret });
    t.clock.advance(999);
    await t.authenticate.execute({ secret });
    t.clock.advance(1);
    await expect(t.authenticate.execute({ secret })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(t.reads()).toBe(1);
  });

  it('reads the store again after the TTL, so a row changed by hand counts within it', async () => {
    const t = setUp();
    const { apiKey, secret } = await t.create.execute({ actor: SYSTEM_ACTOR, name: 'k', role: 'client' });
    await t.authenticate.execute({ secret });
    await t.repos.apiKeys.revoke(apiKey.id, T0); // behind the use case's back: no signal
    t.clock.advance(KEY_CACHE_TTL_MS - 1);
    await t.authenticate.execute({ secret });
    t.clock.advance(1);
    await expect(t.authenticate.execute({ secret })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('records last use at most once a minute for a kept key', async () => {
    const t = setUp();
    const { apiKey, secret } = await t.create.execute({ actor: SYSTEM_ACTOR, name: 'k', role: 'client' });
    const lastUsed = async () => (await t.repos.apiKeys.getById(apiKey.id))!.lastUsedAt;
    await t.authenticate.execute({ secret });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await lastUsed()).toBe(T0);
    t.clock.advance(30_000);
    await t.authenticate.execute({ secret });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await lastUsed()).toBe(T0);
    t.clock.advance(30_000);
    await t.authenticate.execute({ secret });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await lastUsed()).toBe(T0 + 60_000);
  });
});

describe.each(DIALECTS)('a key revoked by another process on %s', (dialect) => {
  let url: string;
  let a: BookingService;
  let b: BookingService;

  beforeAll(async () => {
    url = await freshDatabaseUrl(dialect);
    // Two services on one database, as two instances (or an instance and the command-line tool) would be.
    a = await createService({ databaseUrl: url });
    b = await createService({ databaseUrl: url, migrate: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const listening = async (service: BookingService) => {
    const revocations = service.keyRevocations;
    if (revocations instanceof PostgresKeyRevocations) expect(await revocations.ready()).toBe(true);
  };

  async function refusedWithin(secret: string, ms: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      try {
        await a.useCases.authenticate.execute({ secret });
      } catch (error) {
        expect(error).toBeInstanceOf(UnauthenticatedError);
        return Date.now() - started;
      }
      if (Date.now() - started > ms) throw new Error(`still accepted after ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  it('is refused by the instance that had kept it', async () => {
    await listening(a);
    const { apiKey, secret } = await b.useCases.createApiKey.execute({ actor: SYSTEM_ACTOR, name: 'shared', role: 'client' });
    // Kept by a: a's reads no longer reach the store for it.
    await a.useCases.authenticate.execute({ secret });
    await a.useCases.authenticate.execute({ secret });
    await b.useCases.revokeApiKey.execute({ actor: SYSTEM_ACTOR, id: apiKey.id });
    if (dialect === 'sqlite') {
      // The file's data version has changed under a's connection, which a reads once per turn of its event loop:
      // refused from the next turn on.
      await new Promise((resolve) => setImmediate(resolve));
      await expect(a.useCases.authenticate.execute({ secret })).rejects.toBeInstanceOf(UnauthenticatedError);
    } else {
      // Announced at commit; a hears it as soon as its listening connection reads it.
      expect(await refusedWithin(secret, 2_000)).toBeLessThan(2_000);
    }
  });

  if (dialect === 'postgres') {
    it('keeps nothing while its listening connection is lost, and listens again', async () => {
      await listening(a);
      const { apiKey, secret } = await b.useCases.createApiKey.execute({ actor: SYSTEM_ACTOR, name: 'unheard', role: 'client' });
      await a.useCases.authenticate.execute({ secret });
      const revocations = a.keyRevocations as PostgresKeyRevocations;
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
                where datname = current_database() and query = 'listen booking_api_key_revoked'`.execute(b.database.db);
      const deadline = Date.now() + 2_000;
      while (revocations.generation() !== null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(revocations.generation()).toBeNull();
      // Revoked by hand, with no announcement: a, not listening, reads the key and refuses it at once.
      await sql`update api_keys set revoked_at = ${Date.now()} where id = ${apiKey.id}`.execute(b.database.db);
      await expect(a.useCases.authenticate.execute({ secret })).rejects.toBeInstanceOf(UnauthenticatedError);
      expect(await revocations.ready(5_000)).toBe(true);
    });
  }
});
