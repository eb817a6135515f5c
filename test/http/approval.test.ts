import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { occupancyProblems } from '../support/occupancy-sweep';
import { createOutboxApp, makeWebhook, Receiver } from '../outbox/support';
import { book, createProvider, del, expectErrorShape, get, Json, patch, post, readView } from './helpers';
import { as, clientKey, createService, queryOf, snapshot } from './part2-helpers';

const DATE = '2027-12-25';
const SEED_409 = { error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE' };

describe.each(DIALECTS)('approval over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  /** A provider, a service of it that requires confirmation, and one that does not. */
  async function clinic(capacity = 1): Promise<{ p: Json; approval: Json; plain: Json }> {
    const p = await createProvider(t, { capacity });
    const approval = await createService(t, { name: 'New patient', duration_minutes: 60, pools: [[p.id]], requires_confirmation: true });
    const plain = await createService(t, { name: 'Follow-up', duration_minutes: 60, pools: [[p.id]] });
    return { p, approval, plain };
  }
  const decide = (id: number, decision: 'confirm' | 'decline', key?: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/bookings/${id}/${decision}`, headers: { authorization: `Bearer ${key ?? t.adminKey}` } });
  const historyOf = async (id: number) => ((await get(t, `/api/v1/bookings/${id}/history`)).json().data as Json[]).map((e) => e.type);
  const eventsOf = async (id: number) => ((await get(t, '/api/v1/events?limit=500')).json().data as Json[]).filter((e) => e.booking.id === id);

  it('a booking of a service that requires confirmation is pending and occupies its span like an active one', async () => {
    const { p, approval } = await clinic();
    const pending = await book(t, { service_id: approval.id, date: DATE, time: '10:00', customer_name: 'Ada' });
    expect(pending).toMatchObject({ status: 'pending', service_id: approval.id, provider_ids: [p.id], version: 1 });
    expect((await get(t, `/api/v1/bookings/${pending.id}`)).json()).toEqual(readView(pending));
    expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: DATE, time: '10:30' })).json()).toEqual({
      ...SEED_409,
      details: { conflicting_booking_id: pending.id },
    });
    const day = (await get(t, `/api/v1/providers/${p.id}/availability?date=${DATE}&duration_minutes=60`)).json().days[0];
    expect(day.slots).not.toContain('10:00');
    expect(await historyOf(pending.id)).toEqual(['booking.created']);
  });

  it('confirm (admin) makes it active: 200 with the booking, a new version, the event booking.confirmed; it still occupies', async () => {
    const { p, approval } = await clinic();
    const pending = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
    const res = await decide(pending.id, 'confirm');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    const confirmed = res.json();
    expect(confirmed).toEqual({ ...readView(pending), status: 'active', version: 2, updated_at: expect.any(String) });
    expect((await get(t, `/api/v1/bookings/${pending.id}`)).json()).toEqual(confirmed);
    expect(await historyOf(pending.id)).toEqual(['booking.created', 'booking.confirmed']);
    const history = (await get(t, `/api/v1/bookings/${pending.id}/history`)).json().data;
    expect(history[1].changes).toEqual({ status: ['pending', 'active'] });
    const events = await eventsOf(pending.id);
    expect(events.map((e) => e.type)).toEqual(['booking.created', 'booking.confirmed']);
    expect(events[1].booking).toMatchObject({ id: pending.id, status: 'active', version: 2 });
    expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: DATE, time: '10:00' })).statusCode).toBe(409);
    expect((await get(t, `/api/v1/bookings?provider_id=${p.id}`)).json().data.map((b: Json) => b.id)).toEqual([pending.id]);
  });

  it('decline (admin) makes it declined and frees its span at once, with the event booking.declined', async () => {
    const { p, approval } = await clinic();
    const pending = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
    const res = await decide(pending.id, 'decline');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: pending.id, status: 'declined', version: 2 });
    expect(await historyOf(pending.id)).toEqual(['booking.created', 'booking.declined']);
    expect((await eventsOf(pending.id)).map((e) => e.type)).toEqual(['booking.created', 'booking.declined']);
    expect(await occupancyProblems(queryOf(t), p.id, 1, t.clock.now())).toEqual([]);
    expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: DATE, time: '10:00' })).statusCode).toBe(201);
  });

  it('is the admin’s: a client gets 403, before anything else, and nothing changes', async () => {
    const { approval } = await clinic();
    const client = await clientKey(t);
    const own = await book(t, { service_id: approval.id, date: DATE, time: '10:00' }, as(t, client.key));
    expect(own.status).toBe('pending');
    const before = await snapshot(t);
    for (const decision of ['confirm', 'decline'] as const) {
      expectErrorShape(await decide(own.id, decision, client.key), 403, 'FORBIDDEN');
      expectErrorShape(await decide(999_999, decision, client.key), 403, 'FORBIDDEN');
    }
    expect(await snapshot(t)).toEqual(before);
    expectErrorShape(await decide(999_999, 'confirm'), 404, 'BOOKING_NOT_FOUND');
    const unauthenticated = await t.app.inject({ method: 'POST', url: `/api/v1/bookings/${own.id}/confirm` });
    expectErrorShape(unauthenticated, 401, 'UNAUTHENTICATED');
  });

  it('either decision on a booking that is not pending is 409 BOOKING_NOT_PENDING and changes nothing', async () => {
    const { approval, plain } = await clinic(10);
    const active = await book(t, { service_id: plain.id, date: DATE, time: '08:00' });
    const seed = await book(t, { provider_id: active.provider_id, date: DATE, time: '09:00' });
    const confirmed = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
    expect((await decide(confirmed.id, 'confirm')).statusCode).toBe(200);
    const declined = await book(t, { service_id: approval.id, date: DATE, time: '11:00' });
    expect((await decide(declined.id, 'decline')).statusCode).toBe(200);
    const cancelled = await book(t, { service_id: approval.id, date: DATE, time: '12:00' });
    expect((await del(t, `/api/v1/bookings/${cancelled.id}`)).statusCode).toBe(204);
    expect((await get(t, `/api/v1/bookings/${cancelled.id}`)).json().status).toBe('cancelled');

    const before = await snapshot(t);
    for (const b of [active, seed, confirmed, declined, cancelled]) {
      for (const decision of ['confirm', 'decline'] as const) {
        const res = await decide(b.id, decision);
        expectErrorShape(res, 409, 'BOOKING_NOT_PENDING');
      }
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('a declined booking is final: PATCH is 409 BOOKING_CANCELLED, DELETE is 204; neither changes anything', async () => {
    const { approval } = await clinic();
    const pending = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
    expect((await decide(pending.id, 'decline')).statusCode).toBe(200);
    const before = await snapshot(t);
    expectErrorShape(await patch(t, `/api/v1/bookings/${pending.id}`, { time: '11:00' }), 409, 'BOOKING_CANCELLED');
    expectErrorShape(await patch(t, `/api/v1/bookings/${pending.id}`, { customer_name: 'Someone' }), 409, 'BOOKING_CANCELLED');
    expect((await del(t, `/api/v1/bookings/${pending.id}`)).statusCode).toBe(204);
    expect((await del(t, `/api/v1/bookings/${pending.id}`)).statusCode).toBe(204);
    expect(await snapshot(t)).toEqual(before);
    expect((await get(t, `/api/v1/bookings/${pending.id}`)).json()).toMatchObject({ status: 'declined', version: 2, cancelled_at: null });
  });

  it('a pending booking can be cancelled like an active one, freeing its span', async () => {
    const { p, approval } = await clinic();
    const pending = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
    expect((await del(t, `/api/v1/bookings/${pending.id}`)).statusCode).toBe(204);
    expect(await historyOf(pending.id)).toEqual(['booking.created', 'booking.cancelled']);
    expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: DATE, time: '10:00' })).statusCode).toBe(201);
  });

  it('the status filter takes active, pending, cancelled, declined and all (default active)', async () => {
    const { p, approval, plain } = await clinic(10);
    const active = await book(t, { service_id: plain.id, date: DATE, time: '08:00' });
    const pending = await book(t, { service_id: approval.id, date: DATE, time: '09:00' });
    const confirmed = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
    await decide(confirmed.id, 'confirm');
    const declined = await book(t, { service_id: approval.id, date: DATE, time: '11:00' });
    await decide(declined.id, 'decline');
    const cancelled = await book(t, { provider_id: p.id, date: DATE, time: '12:00' });
    await del(t, `/api/v1/bookings/${cancelled.id}`);

    const list = async (query: string) => {
      const res = await get(t, `/api/v1/bookings?provider_id=${p.id}${query}`);
      expect(res.statusCode).toBe(200);
      return (res.json().data as Json[]).map((b) => [b.id, b.status]);
    };
    expect(await list('')).toEqual([
      [active.id, 'active'],
      [confirmed.id, 'active'],
    ]);
    expect(await list('&status=active')).toEqual(await list(''));
    expect(await list('&status=pending')).toEqual([[pending.id, 'pending']]);
    expect(await list('&status=declined')).toEqual([[declined.id, 'declined']]);
    expect(await list('&status=cancelled')).toEqual([[cancelled.id, 'cancelled']]);
    expect(await list('&status=all')).toEqual([
      [active.id, 'active'],
      [pending.id, 'pending'],
      [confirmed.id, 'active'],
      [declined.id, 'declined'],
      [cancelled.id, 'cancelled'],
    ]);
    expect((await get(t, `/api/v1/bookings?service_id=${approval.id}&status=declined`)).json().data.map((b: Json) => b.id)).toEqual([declined.id]);
    expectErrorShape(await get(t, '/api/v1/bookings?status=approved'), 400, 'VALIDATION_ERROR');
  });

  it('webhooks may subscribe to booking.confirmed and booking.declined, and get exactly those', async () => {
    const o = await createOutboxApp({ dialect, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    const receiver = await new Receiver().start();
    try {
      const webhook = await makeWebhook(o, receiver.url, ['booking.confirmed', 'booking.declined']);
      expect(webhook.events).toEqual(['booking.confirmed', 'booking.declined']);
      const bad = await o.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: o.headers(), payload: { url: receiver.url, events: ['booking.approved'] } });
      expectErrorShape(bad, 400, 'VALIDATION_ERROR');
      const p = (await o.app.inject({ method: 'POST', url: '/api/v1/providers', headers: o.headers(), payload: { name: 'Clinic', email: 'clinic@example.com' } })).json();
      const service = (
        await o.app.inject({ method: 'POST', url: '/api/v1/services', headers: o.headers(), payload: { name: 'New patient', duration_minutes: 30, pools: [[p.id]], requires_confirmation: true } })
      ).json();
      const make = async (time: string) =>
        (await o.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: o.headers(), payload: { service_id: service.id, date: DATE, time } })).json();
      const first = await make('10:00');
      const second = await make('11:00');
      const confirm = await o.app.inject({ method: 'POST', url: `/api/v1/bookings/${first.id}/confirm`, headers: { authorization: `Bearer ${o.adminKey}` } });
      const decline = await o.app.inject({ method: 'POST', url: `/api/v1/bookings/${second.id}/decline`, headers: { authorization: `Bearer ${o.adminKey}` } });
      expect([confirm.statusCode, decline.statusCode]).toEqual([200, 200]);
      await o.service.dispatcher.runOnce();
      const got = [...receiver.received].sort((a, b) => Number(a.eventId) - Number(b.eventId)).map((r) => [r.json.type, r.json.booking.id, r.json.booking.status]);
      expect(got).toEqual([
        ['booking.confirmed', first.id, 'active'],
        ['booking.declined', second.id, 'declined'],
      ]);
    } finally {
      await receiver.stop();
      await o.close();
    }
  });
});
