import { EmailTakenError } from '../../src/domain/errors';
import { aProvider, NOW, unique } from '../support/builders';
import { MakeHarness, useHarness } from './harness';

export function describeProviderRepositoryContract(name: string, makeHarness: MakeHarness): void {
  describe(`ProviderRepository contract: ${name}`, () => {
    const h = useHarness(makeHarness);

    it('create stores every field and starts the revision at 0', async () => {
      const input = aProvider().named('Grace Hopper').inZone('Europe/Berlin').withDefaultDuration(45).withCapacity(6).createdAt(NOW + 5).build();
      const created = await h().repos.providers.create(input);

      expect(created).toEqual({
        id: expect.any(Number),
        name: 'Grace Hopper',
        email: input.email,
        timezone: 'Europe/Berlin',
        defaultDurationMinutes: 45,
        capacity: 6,
        calendarToken: input.calendarToken,
        revision: 0,
        createdAt: NOW + 5,
        updatedAt: NOW + 5,
      });
      expect(await h().peek.provider(created.id)).toEqual(created);
      expect(await h().repos.providers.getById(created.id)).toEqual(created);
    });

    it('getById of an absent provider is null', async () => {
      expect(await h().repos.providers.getById(987_654_321)).toBeNull();
    });

    it('getMany returns the providers that exist among the ids, by id, repeats and absent ones ignored', async () => {
      const a = await h().repos.providers.create(aProvider().build());
      const b = await h().repos.providers.create(aProvider().build());
      const found = await h().repos.providers.getMany([b.id, 987_654_321, a.id, b.id]);
      expect([...found.keys()].sort((x, y) => x - y)).toEqual([a.id, b.id].sort((x, y) => x - y));
      expect(found.get(a.id)).toEqual(a);
      expect(found.get(b.id)).toEqual(b);
      expect((await h().repos.providers.getMany([])).size).toBe(0);
    });

    it('refuses an email already taken, ignoring case, and stores nothing', async () => {
      const email = `${unique('Case')}@Example.com`;
      const first = await h().repos.providers.create(aProvider().withEmail(email).build());

      await expect(h().repos.providers.create(aProvider().withEmail(email.toLowerCase()).build())).rejects.toThrow(EmailTakenError);
      await expect(h().repos.providers.create(aProvider().withEmail(email.toUpperCase()).build())).rejects.toThrow(EmailTakenError);

      expect((await h().peek.providersWithEmail(email)).map((p) => p.id)).toEqual([first.id]);
    });

    it('keeps the email as given (case preserved)', async () => {
      const email = `${unique('MiXeD')}@Example.COM`;
      const created = await h().repos.providers.create(aProvider().withEmail(email).build());
      expect((await h().peek.provider(created.id))?.email).toBe(email);
    });

    it('update writes only the given fields and the update time', async () => {
      const created = await h().repos.providers.create(aProvider().named('Before').build());
      const updated = await h().repos.providers.update(created.id, { name: 'After', defaultDurationMinutes: 60, capacity: 3 }, NOW + 1000);

      expect(updated).toEqual({ ...created, name: 'After', defaultDurationMinutes: 60, capacity: 3, updatedAt: NOW + 1000 });
      expect(await h().peek.provider(created.id)).toEqual(updated);
    });

    it('update may change the case of its own email', async () => {
      const email = `${unique('own')}@example.com`;
      const created = await h().repos.providers.create(aProvider().withEmail(email).build());
      const updated = await h().repos.providers.update(created.id, { email: email.toUpperCase() }, NOW);
      expect(updated?.email).toBe(email.toUpperCase());
      // The old spelling is not left behind holding the address.
      await expect(h().repos.providers.create(aProvider().withEmail(email).build())).rejects.toThrow(EmailTakenError);
    });

    it("update to another provider's email (other case) throws EmailTakenError and changes nothing", async () => {
      const taken = `${unique('taken')}@example.com`;
      await h().repos.providers.create(aProvider().withEmail(taken).build());
      const other = await h().repos.providers.create(aProvider().build());

      await expect(h().repos.providers.update(other.id, { email: taken.toUpperCase(), name: 'Renamed' }, NOW + 1)).rejects.toThrow(
        EmailTakenError,
      );
      expect(await h().peek.provider(other.id)).toEqual(other);
    });

    it('a changed email frees the old one', async () => {
      const old = `${unique('old')}@example.com`;
      const created = await h().repos.providers.create(aProvider().withEmail(old).build());
      await h().repos.providers.update(created.id, { email: `${unique('new')}@example.com` }, NOW);
      const reuse = await h().repos.providers.create(aProvider().withEmail(old).build());
      expect((await h().peek.provider(reuse.id))?.email).toBe(old);
    });

    it('update of an absent provider is null', async () => {
      expect(await h().repos.providers.update(987_654_321, { name: 'Nobody' }, NOW)).toBeNull();
    });

    it('update can rotate the calendar token', async () => {
      const created = await h().repos.providers.create(aProvider().build());
      const token = unique('cal');
      await h().repos.providers.update(created.id, { calendarToken: token }, NOW);
      expect((await h().peek.provider(created.id))?.calendarToken).toBe(token);
    });

    it('reviseRules bumps the revision by one each time and returns the provider as it became', async () => {
      const created = await h().repos.providers.create(aProvider().build());

      const first = await h().uow.run((repos) => repos.providers.reviseRules(created.id));
      expect(first).toEqual({ ...created, revision: 1 });
      const second = await h().uow.run((repos) => repos.providers.reviseRules(created.id));
      expect(second?.revision).toBe(2);
      expect((await h().peek.provider(created.id))?.revision).toBe(2);
    });

    it('reviseRules of an absent provider is null and creates nothing', async () => {
      expect(await h().uow.run((repos) => repos.providers.reviseRules(987_654_321))).toBeNull();
      expect(await h().peek.provider(987_654_321)).toBeNull();
    });

    it('a revision bump is undone with its transaction', async () => {
      const created = await h().repos.providers.create(aProvider().build());
      await expect(
        h().uow.run(async (repos) => {
          await repos.providers.reviseRules(created.id);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await h().peek.provider(created.id))?.revision).toBe(0);
    });

    it('listAfter pages in id order, strictly after the given id, up to the limit', async () => {
      const a = await h().repos.providers.create(aProvider().build());
      const b = await h().repos.providers.create(aProvider().build());
      const c = await h().repos.providers.create(aProvider().build());

      expect((await h().repos.providers.listAfter(a.id - 1, 2)).map((p) => p.id)).toEqual([a.id, b.id]);
      expect((await h().repos.providers.listAfter(a.id, 2)).map((p) => p.id)).toEqual([b.id, c.id]);
      expect(await h().repos.providers.listAfter(b.id, 1)).toEqual([c]);
      expect(await h().repos.providers.listAfter(c.id, 10)).toEqual([]);
    });
  });
}
