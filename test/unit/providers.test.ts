import { EmailTakenError, ForbiddenError, ProviderNotFoundError, ValidationError } from '../../src/domain/errors';
import { aClient, ADMIN, anInMemoryService, aProvider, NOW } from '../support/builders';

describe('provider use cases', () => {
  it('creates a provider with defaults: UTC, 30 minutes, a calendar token', async () => {
    const { useCases } = anInMemoryService();
    const p = await useCases.createProvider.execute({ actor: ADMIN, name: '  Ada  ', email: ' ada@example.com ' });
    expect(p).toMatchObject({ id: 1, name: 'Ada', email: 'ada@example.com', timezone: 'UTC', defaultDurationMinutes: 30, createdAt: NOW, revision: 0 });
    expect(p.calendarToken).toMatch(/^cal_[A-Za-z0-9_-]{22,}$/);
    expect(await useCases.getProvider.execute({ actor: aClient(1), id: p.id })).toEqual(p);
  });

  it('a duplicate email, in any case, is EmailTakenError', async () => {
    const { useCases } = anInMemoryService();
    await useCases.createProvider.execute({ actor: ADMIN, name: 'A', email: 'Same@Example.com' });
    await expect(useCases.createProvider.execute({ actor: ADMIN, name: 'B', email: 'same@example.COM' })).rejects.toThrow(EmailTakenError);
  });

  it.each([
    { name: '' },
    { name: '   ' },
    { email: 'not-an-email' },
    { timezone: 'Mars/Olympus' },
    { defaultDurationMinutes: 4 },
    { defaultDurationMinutes: 481 },
  ])('refuses %j', async (change) => {
    const { useCases, state } = anInMemoryService();
    await expect(useCases.createProvider.execute({ ...aProvider().request(), ...change })).rejects.toThrow(ValidationError);
    expect(state.providers.size).toBe(0);
  });

  it('only admins write providers', async () => {
    const { useCases } = anInMemoryService();
    await expect(useCases.createProvider.execute(aProvider().request(aClient(1)))).rejects.toThrow(ForbiddenError);
    const p = await useCases.createProvider.execute(aProvider().request());
    await expect(useCases.updateProvider.execute({ actor: aClient(1), id: p.id, changes: { name: 'X' } })).rejects.toThrow(ForbiddenError);
  });

  it('update writes the changes; an update that changes nothing leaves the update time alone', async () => {
    const { useCases, clock } = anInMemoryService();
    const p = await useCases.createProvider.execute(aProvider().named('Before').request());
    clock.advance(1000);
    expect(await useCases.updateProvider.execute({ actor: ADMIN, id: p.id, changes: { name: 'Before' } })).toEqual(p);
    const changed = await useCases.updateProvider.execute({ actor: ADMIN, id: p.id, changes: { name: 'After', timezone: 'Asia/Tokyo' } });
    expect(changed).toMatchObject({ name: 'After', timezone: 'Asia/Tokyo', updatedAt: NOW + 1000, createdAt: NOW });
  });

  it('an absent provider is ProviderNotFoundError', async () => {
    const { useCases } = anInMemoryService();
    await expect(useCases.getProvider.execute({ actor: ADMIN, id: 5 })).rejects.toThrow(ProviderNotFoundError);
    await expect(useCases.updateProvider.execute({ actor: ADMIN, id: 5, changes: { name: 'X' } })).rejects.toThrow(ProviderNotFoundError);
  });

  it('lists providers in id order, page by page', async () => {
    const { useCases } = anInMemoryService();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await useCases.createProvider.execute(aProvider().request()));
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await useCases.listProviders.execute({ actor: ADMIN, limit: 2, cursor });
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(made.map((p) => p.id));
    await expect(useCases.listProviders.execute({ actor: ADMIN, cursor: 'nonsense' })).rejects.toThrow(ValidationError);
  });
});
