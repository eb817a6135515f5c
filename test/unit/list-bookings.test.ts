import { ValidationError } from '../../src/domain/errors';
import { aBooking, aClient, ADMIN, anInMemoryService, aProvider } from '../support/builders';
import { BookingView } from '../../src/application/views';

/** A listed booking, as the JSON text it is stored and sent as. */
const viewOf = (json: string): BookingView => JSON.parse(json) as BookingView;

async function world() {
  const service = anInMemoryService();
  const provider = await service.useCases.createProvider.execute(aProvider().request());
  const other = await service.useCases.createProvider.execute(aProvider().request());
  return { ...service, provider, other };
}

describe('ListBookings', () => {
  it('walks every page once, in (startsAt, id) order, even while bookings are added behind and ahead', async () => {
    const { useCases, provider, other } = await world();
    for (const time of ['09:00', '10:00', '11:00', '12:00', '13:00']) {
      await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', time).request());
      await useCases.createBooking.execute(aBooking().of(other).at('2027-12-25', time).request());
    }
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await useCases.listBookings.execute({ actor: ADMIN, limit: 3, cursor });
      seen.push(...page.items.map(viewOf).map((b) => b.id));
      cursor = page.nextCursor ?? undefined;
      if (pages++ === 0) {
        await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-24', '09:00').request());
        await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-26', '09:00').request());
      }
    } while (cursor);

    expect(new Set(seen).size).toBe(seen.length);
    const all = await useCases.listBookings.execute({ actor: ADMIN, limit: 200 });
    const byStart = all.items.map(viewOf).filter((b) => b.date !== '2027-12-24').map((b) => b.id);
    expect(seen).toEqual(byStart);
  });

  it('answers no next cursor on the last page, also when it is exactly full', async () => {
    const { useCases, provider } = await world();
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '09:00').request());
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '10:00').request());
    expect((await useCases.listBookings.execute({ actor: ADMIN, limit: 2 })).nextCursor).toBeNull();
    expect((await useCases.listBookings.execute({ actor: ADMIN, limit: 1 })).nextCursor).not.toBeNull();
  });

  it('defaults to active bookings; status all and cancelled on request', async () => {
    const { useCases, provider } = await world();
    const kept = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '09:00').request());
    const gone = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '10:00').request());
    await useCases.cancelBooking.execute({ actor: ADMIN, id: gone.id });
    const ids = async (status?: 'active' | 'cancelled' | 'all') => (await useCases.listBookings.execute({ actor: ADMIN, status })).items.map(viewOf).map((b) => b.id);
    expect(await ids()).toEqual([kept.id]);
    expect(await ids('cancelled')).toEqual([gone.id]);
    expect(await ids('all')).toEqual([kept.id, gone.id]);
  });

  it('a client sees only the bookings it created', async () => {
    const { useCases, provider } = await world();
    const mine = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '09:00').request(aClient(91)));
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '10:00').request(aClient(92)));
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '11:00').request());
    expect((await useCases.listBookings.execute({ actor: aClient(91) })).items.map(viewOf).map((b) => b.id)).toEqual([mine.id]);
  });

  it('filters by provider and inclusive local dates', async () => {
    const { useCases, provider, other } = await world();
    const a = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-24', '09:00').request());
    const b = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '09:00').request());
    await useCases.createBooking.execute(aBooking().of(other).at('2027-12-25', '09:00').request());
    const c = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-26', '23:30').request());
    const ids = async (from?: string, to?: string) =>
      (await useCases.listBookings.execute({ actor: ADMIN, providerId: provider.id, from, to })).items.map(viewOf).map((x) => x.id);
    expect(await ids()).toEqual([a.id, b.id, c.id]);
    expect(await ids('2027-12-25', '2027-12-25')).toEqual([b.id]);
    expect(await ids('2027-12-25', '2027-12-26')).toEqual([b.id, c.id]);
    expect(await ids(undefined, '2027-12-24')).toEqual([a.id]);
  });

  it('a cursor only works for the query it came from', async () => {
    const { useCases, provider } = await world();
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '09:00').request());
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '10:00').request());
    const page = await useCases.listBookings.execute({ actor: ADMIN, limit: 1 });
    await expect(useCases.listBookings.execute({ actor: ADMIN, limit: 1, status: 'all', cursor: page.nextCursor! })).rejects.toThrow(
      ValidationError,
    );
    await expect(useCases.listBookings.execute({ actor: aClient(93), limit: 1, cursor: page.nextCursor! })).rejects.toThrow(ValidationError);
  });

  it.each([
    { limit: 0 },
    { limit: 201 },
    { limit: 1.5 },
    { from: '2027-02-30' },
    { to: 'tomorrow' },
    { from: '2027-12-26', to: '2027-12-25' },
    { status: 'held' as 'all' },
    { cursor: 'garbage' },
  ])('refuses %j', async (input) => {
    const { useCases } = await world();
    await expect(useCases.listBookings.execute({ actor: ADMIN, ...input })).rejects.toThrow(ValidationError);
  });
});
