import { MakeHarness, ContractHarness } from './harness';

const T0 = Date.parse('2027-01-04T08:00:00Z');
let seq = 0;
const uniqueHash = () => `${'0'.repeat(56)}${(++seq).toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10)}`.slice(-64);

/** The ApiKeyRepository contract: lookups by hash, revocation, the last-admin count and usage times. */
export function describeApiKeyRepositoryContract(name: string, makeHarness: MakeHarness): void {
  describe(`ApiKeyRepository contract (${name})`, () => {
    let h: ContractHarness;

    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(() => h.close());

    it('stores a key and finds it by its hash only', async () => {
      const hash = uniqueHash();
      const created = await h.repos.apiKeys.create({ name: 'kiosk', role: 'client', keyHash: hash, createdAt: T0, expiresAt: null });
      expect(created).toEqual({ id: expect.any(Number), name: 'kiosk', role: 'client', createdAt: T0, expiresAt: null, revokedAt: null, lastUsedAt: null });
      expect(await h.repos.apiKeys.findByHash(hash)).toEqual(created);
      expect(await h.repos.apiKeys.findByHash(uniqueHash())).toBeNull();
      expect(await h.repos.apiKeys.getById(created.id)).toEqual(created);
      expect(await h.repos.apiKeys.getById(created.id + 1000)).toBeNull();
    });

    it('counts keys and lists them oldest first', async () => {
      expect(await h.repos.apiKeys.countForUpdate()).toBe(0);
      const a = await h.repos.apiKeys.create({ name: 'a', role: 'admin', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
      const b = await h.repos.apiKeys.create({ name: 'b', role: 'client', keyHash: uniqueHash(), createdAt: T0 + 1, expiresAt: T0 + 10 });
      expect(await h.repos.apiKeys.countForUpdate()).toBe(2);
      expect((await h.repos.apiKeys.list()).map((k) => k.id)).toEqual([a.id, b.id]);
    });

    it('lets exactly one of several racing units of work see an empty store and add the first key', async () => {
      const firstKey = () =>
        h.uow.run(async (r) => {
          if ((await r.apiKeys.countForUpdate()) > 0) return false;
          await new Promise((resolve) => setTimeout(resolve, 25)); // widen the window a race would need
          await r.apiKeys.create({ name: 'first', role: 'admin', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
          return true;
        });
      const made = await Promise.all(Array.from({ length: 6 }, firstKey));
      expect(made.filter(Boolean)).toHaveLength(1);
      expect(await h.repos.apiKeys.countForUpdate()).toBe(1);
    });

    it('revokes once: a second revocation keeps the first time', async () => {
      const k = await h.repos.apiKeys.create({ name: 'k', role: 'client', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
      await h.repos.apiKeys.revoke(k.id, T0 + 5);
      await h.repos.apiKeys.revoke(k.id, T0 + 9);
      expect((await h.repos.apiKeys.getById(k.id))?.revokedAt).toBe(T0 + 5);
    });

    it('counts only admin keys that are neither revoked nor expired', async () => {
      await h.repos.apiKeys.create({ name: 'live', role: 'admin', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
      await h.repos.apiKeys.create({ name: 'client', role: 'client', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
      await h.repos.apiKeys.create({ name: 'expires later', role: 'admin', keyHash: uniqueHash(), createdAt: T0, expiresAt: T0 + 100 });
      await h.repos.apiKeys.create({ name: 'expired', role: 'admin', keyHash: uniqueHash(), createdAt: T0, expiresAt: T0 + 50 });
      const revoked = await h.repos.apiKeys.create({ name: 'revoked', role: 'admin', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
      await h.repos.apiKeys.revoke(revoked.id, T0);
      // Half-open: a key expiring exactly now is expired.
      expect(await h.uow.run((r) => r.apiKeys.countActiveAdminsForUpdate(T0 + 50))).toBe(2);
      expect(await h.uow.run((r) => r.apiKeys.countActiveAdminsForUpdate(T0 + 100))).toBe(1);
    });

    it('records use at most once a minute', async () => {
      const k = await h.repos.apiKeys.create({ name: 'k', role: 'client', keyHash: uniqueHash(), createdAt: T0, expiresAt: null });
      await h.repos.apiKeys.touch(k.id, T0 + 1_000);
      await h.repos.apiKeys.touch(k.id, T0 + 30_000);
      expect((await h.repos.apiKeys.getById(k.id))?.lastUsedAt).toBe(T0 + 1_000);
      await h.repos.apiKeys.touch(k.id, T0 + 61_000);
      expect((await h.repos.apiKeys.getById(k.id))?.lastUsedAt).toBe(T0 + 61_000);
    });
  });
}
