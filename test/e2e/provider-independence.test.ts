import { openDatabase, DatabaseHandle } from '../../src/adapters/persistence/database';
import { KyselyUnitOfWork } from '../../src/adapters/persistence/kysely-unit-of-work';
import { bookingViewWithoutId } from '../../src/application/views';
import { book, createProvider, get, Json, patch } from '../http/helpers';
import { aBooking, anEvent, zones } from '../support/builders';
import { createTestApp, TestApp } from '../support/http-harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise with its resolver, to hold a transaction open until the test says so. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * PostgreSQL runs the writes of different providers at once: nothing global serialises them. A transaction that
 * has locked provider A and written a booking of A stays open while every kind of write of sixteen other providers
 * commits; a write of A itself waits for it.
 */
describe('writes of different providers on PostgreSQL', () => {
  let t: TestApp;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    t = await createTestApp({ dialect: 'postgres', env: { RATE_LIMIT_MAX: '10000' } });
    handle = openDatabase(t.databaseUrl, { poolSize: 2 });
  });
  afterAll(async () => {
    await handle?.close();
    await t?.close();
  });

  it('never wait on a transaction that is booking another provider', async () => {
    const a = await createProvider(t, { timezone: 'UTC' });
    const others: Json[] = [];
    for (let i = 0; i < 16; i++) others.push(await createProvider(t, { timezone: 'UTC' }));
    // Each other provider has a booking to move and one to cancel.
    const existing = await Promise.all(
      others.map(async (p) => ({
        move: await book(t, { provider_id: p.id, date: '2027-01-05', time: '09:00' }),
        cancel: await book(t, { provider_id: p.id, date: '2027-01-05', time: '11:00' }),
      })),
    );
    const feedBefore = (await get(t, '/api/v1/events?limit=500')).json().data.length as number;

    // A transaction booking A, as the use case does under lock: A's row locked, its booking and event written.
    const held = gate();
    const written = gate();
    const uow = new KyselyUnitOfWork(handle.db, handle.capabilities);
    const slow = uow.run(async (repos) => {
      const from = Date.parse('2027-01-05T10:00:00Z');
      await repos.agendas.load([a.id], from, from + 3_600_000);
      const builder = aBooking().of({ id: a.id as number, timezone: 'UTC' }).at('2027-01-05', '10:00').lasting(60);
      const booking = builder.build();
      const id = await repos.bookings.create(booking, [builder.placement()], anEvent('booking.created'), bookingViewWithoutId(booking, zones), {
        revisions: new Map([[a.id, 0]]),
        expired: [],
      });
      written.open();
      await held.opened;
      return id;
    });
    await written.opened;

    // Meanwhile: a booking, a move and a cancellation of each of sixteen other providers, all at once.
    const work = Promise.all(
      others.map(async (p, i) => {
        const created = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: { provider_id: p.id, date: '2027-01-05', time: '14:00' } });
        const moved = await patch(t, `/api/v1/bookings/${existing[i].move.id}`, { time: '15:30' });
        const cancelled = await t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${existing[i].cancel.id}`, headers: t.headers() });
        return [created.statusCode, moved.statusCode, cancelled.statusCode];
      }),
    );
    // And a booking of A itself, at another time: it must wait for A's transaction.
    let aDone = false;
    const ofA = t.app
      .inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: { provider_id: a.id, date: '2027-01-05', time: '16:00' } })
      .finally(() => (aDone = true));

    const outcome = await Promise.race([work.then((s) => ({ statuses: s })), sleep(15_000).then(() => 'blocked' as const)]);
    expect(outcome).toEqual({ statuses: others.map(() => [201, 200, 204]) });
    // All 48 writes are committed and in the feed while A's transaction is still open.
    const feedDuring = (await get(t, '/api/v1/events?limit=500')).json().data.length as number;
    expect(feedDuring - feedBefore).toBe(48);
    expect(aDone).toBe(false);

    held.open();
    const aId = await slow;
    expect((await ofA).statusCode).toBe(201);
    expect((await get(t, `/api/v1/bookings/${aId}`)).json()).toMatchObject({ provider_id: a.id, time: '10:00:00', status: 'active' });
    expect((await get(t, '/api/v1/events?limit=500')).json().data.length - feedBefore).toBe(50);
  }, 60_000);
});
