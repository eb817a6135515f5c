import { DIALECTS } from '../support/databases';
import { createTestApp, TEST_NOW, TestApp } from '../support/http-harness';
import { occupancyProblems, storedPeak } from '../support/occupancy-sweep';
import { book, createProvider, del, expectErrorShape, get, Json, post, readView } from './helpers';
import { as, clientKey, createService, hold, queryOf, snapshot } from './part2-helpers';

const DATE = '2027-12-25';
const HOLD_FIELDS = ['created_at', 'date', 'duration_minutes', 'ends_at', 'expires_at', 'id', 'provider_id', 'provider_ids', 'service_id', 'starts_at', 'time'];
const SEED_409 = { error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE' };

describe.each(DIALECTS)('holds over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.set(TEST_NOW));

  const slot = (providerId: number, time = '10:00', duration = 60) => ({ provider_id: providerId, date: DATE, time, duration_minutes: duration });
  const eventCount = async () => Number((await queryOf(t)('select count(*) as n from booking_events'))[0].n);
  const outboxCount = async () => Number((await queryOf(t)('select count(*) as n from outbox'))[0].n);
  const slotsOf = async (providerId: number) => (await get(t, `/api/v1/providers/${providerId}/availability?date=${DATE}&duration_minutes=60`)).json().days[0];

  describe('POST /api/v1/holds', () => {
    it('holds a provider’s span for 300 seconds unless told otherwise, answering the hold', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      const res = await post(t, '/api/v1/holds', slot(p.id, '10:00', 45));
      expect(res.statusCode).toBe(201);
      const h = res.json();
      expect(Object.keys(h).sort()).toEqual(HOLD_FIELDS);
      expect(h).toEqual({
        id: expect.any(Number),
        provider_id: p.id,
        provider_ids: [p.id],
        service_id: null,
        date: DATE,
        time: '10:00:00',
        duration_minutes: 45,
        starts_at: '2027-12-25T10:00:00+01:00',
        ends_at: '2027-12-25T10:45:00+01:00',
        expires_at: new Date(t.clock.now() + 300_000).toISOString(),
        created_at: new Date(t.clock.now()).toISOString(),
      });
      const got = await get(t, `/api/v1/holds/${h.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(h);
    });

    it('takes the provider’s default duration, and ttl_seconds from 30 to 3600', async () => {
      const p = await createProvider(t, { default_duration_minutes: 20 });
      const short = await hold(t, { provider_id: p.id, date: DATE, time: '09:00', ttl_seconds: 30 });
      expect(short).toMatchObject({ duration_minutes: 20, ends_at: '2027-12-25T09:20:00+00:00', expires_at: new Date(t.clock.now() + 30_000).toISOString() });
      const long = await hold(t, { ...slot(p.id, '11:00'), ttl_seconds: 3600 });
      expect(long.expires_at).toBe(new Date(t.clock.now() + 3_600_000).toISOString());
    });

    it.each([
      ['ttl_seconds 29', { ttl_seconds: 29 }],
      ['ttl_seconds 3601', { ttl_seconds: 3601 }],
      ['ttl_seconds 60.5', { ttl_seconds: 60.5 }],
      ['ttl_seconds "60"', { ttl_seconds: '60' }],
      ['customer_name', { customer_name: 'Grace' }],
      ['customer_email', { customer_email: 'grace@example.com' }],
      ['notes', { notes: 'hello' }],
      ['hold_id', { hold_id: 1 }],
      ['an unknown field', { colour: 'red' }],
      ['provider_ids without a service', { provider_ids: [1] }],
    ])('refuses %s with 400, holding nothing', async (_what, extra) => {
      const p = await createProvider(t);
      const before = await snapshot(t);
      expectErrorShape(await post(t, '/api/v1/holds', { ...slot(p.id), ...extra }), 400, 'VALIDATION_ERROR');
      expect(await snapshot(t)).toEqual(before);
    });

    it('names missing fields like a booking does', async () => {
      expect((await post(t, '/api/v1/holds', {})).json()).toMatchObject({ error: 'Missing required fields: provider_id, date, time', code: 'VALIDATION_ERROR' });
      expect((await post(t, '/api/v1/holds', { date: DATE })).json()).toMatchObject({ error: 'Missing required fields: provider_id, time' });
      expect((await post(t, '/api/v1/holds', { service_id: 1, time: '10:00' })).json()).toMatchObject({ error: 'Missing required fields: date' });
    });

    it('follows the booking’s 404, 422 and 409 rules', async () => {
      expectErrorShape(await post(t, '/api/v1/holds', slot(999_999)), 404, 'PROVIDER_NOT_FOUND');
      expectErrorShape(await post(t, '/api/v1/holds', { service_id: 999_999, date: DATE, time: '10:00' }), 404, 'SERVICE_NOT_FOUND');
      const p = await createProvider(t);
      expectErrorShape(await post(t, '/api/v1/holds', { ...slot(p.id), date: '2027-01-03' }), 422, 'IN_THE_PAST');
      const berlin = await createProvider(t, { timezone: 'Europe/Berlin' });
      expectErrorShape(await post(t, '/api/v1/holds', { ...slot(berlin.id, '02:30'), date: '2027-03-28' }), 422, 'NONEXISTENT_LOCAL_TIME');
      const put = await t.app.inject({ method: 'PUT', url: `/api/v1/providers/${p.id}/schedule`, headers: t.headers(), payload: { weekly: { sat: [['09:00', '12:00']] } } });
      expect(put.statusCode).toBe(200);
      expectErrorShape(await post(t, '/api/v1/holds', slot(p.id, '11:30')), 422, 'OUTSIDE_WORKING_HOURS');
      const booked = await book(t, slot(p.id, '10:00'));
      const full = await post(t, '/api/v1/holds', slot(p.id, '10:30', 30));
      expect(full.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: booked.id } });
      const held = await hold(t, slot(p.id, '09:00'));
      expect((await post(t, '/api/v1/holds', slot(p.id, '09:00'))).json()).toEqual(SEED_409);
      expect(held.provider_id).toBe(p.id);
    });

    it('holds a service’s span: its providers, its duration and its zone', async () => {
      const a = await createProvider(t, { timezone: 'Asia/Tokyo', capacity: 2 });
      const b = await createProvider(t);
      const c = await createProvider(t);
      const service = await createService(t, { duration_minutes: 45, timezone: 'America/New_York', slot_interval_minutes: 15, pools: [[a.id], [b.id, c.id]] });
      const res = await post(t, '/api/v1/holds', { service_id: service.id, date: DATE, time: '09:15', provider_ids: [c.id] });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        provider_id: a.id,
        provider_ids: [a.id, c.id],
        service_id: service.id,
        date: DATE,
        time: '09:15:00',
        duration_minutes: 45,
        starts_at: '2027-12-25T09:15:00-05:00',
        ends_at: '2027-12-25T10:00:00-05:00',
      });
      expectErrorShape(await post(t, '/api/v1/holds', { service_id: service.id, date: DATE, time: '09:15', duration_minutes: 45 }), 400, 'VALIDATION_ERROR');
      // c is held: the pool's other provider takes the next booking of that span (a has room for two).
      const next = await book(t, { service_id: service.id, date: DATE, time: '09:15' });
      expect(next.provider_ids).toEqual([a.id, b.id]);
    });
  });

  describe('a live hold occupies like a booking', () => {
    it('until it is released: DELETE answers 204 and frees the span at once; the hold is gone', async () => {
      const p = await createProvider(t);
      const h = await hold(t, slot(p.id));
      expect((await slotsOf(p.id)).slots).not.toContain('10:00');
      expect((await post(t, '/api/v1/bookings', slot(p.id))).json()).toEqual(SEED_409);
      const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/holds/${h.id}`, headers: { authorization: t.headers().authorization } });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectErrorShape(await get(t, `/api/v1/holds/${h.id}`), 404, 'HOLD_NOT_FOUND');
      expect((await slotsOf(p.id)).slots).toContain('10:00');
      expect((await post(t, '/api/v1/bookings', slot(p.id))).statusCode).toBe(201);
      expect((await del(t, `/api/v1/holds/${h.id}`)).statusCode).toBe(204);
    });

    it('until its expires_at, when the span is free for the very next request without anything run in between', async () => {
      const p = await createProvider(t, { capacity: 2 });
      const h = await hold(t, { ...slot(p.id), ttl_seconds: 30 });
      const other = await hold(t, { ...slot(p.id), ttl_seconds: 600 });
      const expiresAt = Date.parse(h.expires_at);
      t.clock.set(expiresAt - 1);
      expect((await get(t, `/api/v1/holds/${h.id}`)).statusCode).toBe(200);
      expect((await post(t, '/api/v1/bookings', slot(p.id))).json()).toEqual(SEED_409);
      expect((await slotsOf(p.id)).slots).not.toContain('10:00');
      t.clock.set(expiresAt);
      expectErrorShape(await get(t, `/api/v1/holds/${h.id}`), 404, 'HOLD_NOT_FOUND');
      const day = await slotsOf(p.id);
      expect(day.remaining[day.slots.indexOf('10:00')]).toBe(1);
      const booked = await book(t, slot(p.id));
      expect((await post(t, '/api/v1/bookings', slot(p.id))).json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: booked.id } });
      expect((await get(t, `/api/v1/holds/${other.id}`)).statusCode).toBe(200);
      expect(await occupancyProblems(queryOf(t), p.id, 2, t.clock.now())).toEqual([]);
      expect(await storedPeak(queryOf(t), p.id, t.clock.now())).toBe(2);
    });

    it('and availability’s ETag moves with it: a hold, its expiry and its release each give a new answer', async () => {
      const p = await createProvider(t);
      const url = `/api/v1/providers/${p.id}/availability?date=${DATE}&duration_minutes=60`;
      const etagNow = async () => (await get(t, url)).headers.etag as string;
      const free = await etagNow();
      const h = await hold(t, { ...slot(p.id), ttl_seconds: 30 });
      const held = await etagNow();
      expect(held).not.toBe(free);
      expect((await get(t, url, { 'if-none-match': held })).statusCode).toBe(304);
      t.clock.set(Date.parse(h.expires_at));
      const expired = await get(t, url, { 'if-none-match': held });
      expect(expired.statusCode).toBe(200);
      expect(expired.json().days[0].slots).toContain('10:00');
      const g = await hold(t, slot(p.id));
      const again = await etagNow();
      await del(t, `/api/v1/holds/${g.id}`);
      expect((await get(t, url, { 'if-none-match': again })).statusCode).toBe(200);
    });

    it('and counts against capacity in availability’s remaining', async () => {
      const p = await createProvider(t, { capacity: 3 });
      await hold(t, slot(p.id, '10:00'));
      await hold(t, slot(p.id, '10:30'));
      const day = await slotsOf(p.id);
      const remaining = Object.fromEntries(day.slots.map((s: string, i: number) => [s, day.remaining[i]]));
      expect(remaining).toMatchObject({ '09:00': 3, '10:00': 1, '11:00': 2 });
    });

    it('records no event and sends nothing: holding, reading, releasing and expiring', async () => {
      const p = await createProvider(t);
      for (let i = 0; i < 10 && (await t.service.dispatcher.runOnce()).attempted > 0; i++);
      const events = await eventCount();
      const outbox = await outboxCount();
      const h = await hold(t, slot(p.id, '10:00'));
      await get(t, `/api/v1/holds/${h.id}`);
      await del(t, `/api/v1/holds/${h.id}`);
      const g = await hold(t, { ...slot(p.id, '12:00'), ttl_seconds: 30 });
      t.clock.set(Date.parse(g.expires_at));
      await post(t, '/api/v1/holds', slot(p.id, '12:00'));
      expect(await eventCount()).toBe(events);
      expect(await outboxCount()).toBe(outbox);
      expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 0 });
    });
  });

  describe('whose holds', () => {
    it('a client sees and releases only its own: another’s is 404 HOLD_NOT_FOUND and stays', async () => {
      const p = await createProvider(t);
      const alice = await clientKey(t, 'alice');
      const bob = await clientKey(t, 'bob');
      const h = await hold(t, slot(p.id), as(t, alice.key));
      expect((await get(t, `/api/v1/holds/${h.id}`, { authorization: `Bearer ${alice.key}` })).json()).toEqual(h);
      expectErrorShape(await get(t, `/api/v1/holds/${h.id}`, { authorization: `Bearer ${bob.key}` }), 404, 'HOLD_NOT_FOUND');
      const bobsDelete = await t.app.inject({ method: 'DELETE', url: `/api/v1/holds/${h.id}`, headers: { authorization: `Bearer ${bob.key}` } });
      expectErrorShape(bobsDelete, 404, 'HOLD_NOT_FOUND');
      expect((await get(t, `/api/v1/holds/${h.id}`, { authorization: `Bearer ${alice.key}` })).statusCode).toBe(200);
      const bobsBooking = await post(t, '/api/v1/bookings', { hold_id: h.id }, as(t, bob.key));
      expectErrorShape(bobsBooking, 404, 'HOLD_NOT_FOUND');
      expectErrorShape(await get(t, '/api/v1/holds/999999'), 404, 'HOLD_NOT_FOUND');
      // An admin reads every hold, but a hold becomes a booking only for the key that made it.
      expect((await get(t, `/api/v1/holds/${h.id}`)).statusCode).toBe(200);
      expectErrorShape(await post(t, '/api/v1/bookings', { hold_id: h.id }), 404, 'HOLD_NOT_FOUND');
      expect((await book(t, { hold_id: h.id }, as(t, alice.key))).provider_id).toBe(p.id);
    });

    it('needs a key: 401 without one', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/holds', headers: { 'content-type': 'application/json' }, payload: slot(1) });
      expectErrorShape(res, 401, 'UNAUTHENTICATED');
    });
  });

  describe('turning a hold into a booking', () => {
    it('gives a booking of exactly the hold’s span and providers with the customer fields; the hold is gone', async () => {
      const p = await createProvider(t, { timezone: 'America/New_York' });
      const h = await hold(t, slot(p.id, '10:00', 50));
      const events = await eventCount();
      const res = await post(t, '/api/v1/bookings', { hold_id: h.id, customer_name: 'Grace Hopper', customer_email: 'grace@example.com', notes: 'window seat' });
      expect(res.statusCode).toBe(201);
      const b = res.json();
      expect(b).toMatchObject({
        provider_id: p.id,
        provider_ids: [p.id],
        service_id: null,
        date: DATE,
        time: '10:00:00',
        end_time: '10:50:00',
        duration_minutes: 50,
        starts_at: h.starts_at,
        ends_at: h.ends_at,
        status: 'active',
        version: 1,
        customer_name: 'Grace Hopper',
        customer_email: 'grace@example.com',
        notes: 'window seat',
      });
      expect(typeof b.manage_token).toBe('string');
      expect(res.headers.location).toBe(`/api/v1/bookings/${b.id}`);
      expect((await get(t, `/api/v1/bookings/${b.id}`)).json()).toEqual(readView(b));
      expectErrorShape(await get(t, `/api/v1/holds/${h.id}`), 404, 'HOLD_NOT_FOUND');

      const history = (await get(t, `/api/v1/bookings/${b.id}/history`)).json().data;
      expect(history.map((e: Json) => e.type)).toEqual(['booking.created']);
      expect(await eventCount()).toBe(events + 1);
      // It occupies the span the hold held.
      expect((await post(t, '/api/v1/bookings', slot(p.id, '10:30', 30))).json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: b.id } });
      expect(await occupancyProblems(queryOf(t), p.id, 1, t.clock.now())).toEqual([]);
      expect(await storedPeak(queryOf(t), p.id, t.clock.now())).toBe(1);
    });

    it('is pending when its service requires confirmation, and keeps the service’s providers', async () => {
      const a = await createProvider(t);
      const b = await createProvider(t);
      const service = await createService(t, { duration_minutes: 30, pools: [[a.id], [b.id]], requires_confirmation: true });
      const h = await hold(t, { service_id: service.id, date: DATE, time: '10:00' });
      const created = await book(t, { hold_id: h.id });
      expect(created).toMatchObject({ status: 'pending', service_id: service.id, provider_ids: [a.id, b.id], starts_at: h.starts_at, ends_at: h.ends_at });
      expect((await get(t, `/api/v1/bookings?status=pending&provider_id=${b.id}`)).json().data.map((x: Json) => x.id)).toEqual([created.id]);
    });

    it('is a booking of the caller: a client converts its own hold and owns the booking', async () => {
      const p = await createProvider(t);
      const alice = await clientKey(t, 'alice');
      const h = await hold(t, slot(p.id), as(t, alice.key));
      const b = await book(t, { hold_id: h.id }, as(t, alice.key));
      const mine = await get(t, '/api/v1/bookings', { authorization: `Bearer ${alice.key}` });
      expect(mine.json().data.map((x: Json) => x.id)).toEqual([b.id]);
      expect((await get(t, `/api/v1/bookings/${b.id}/history`)).json().data[0].actor).toBe(alice.id);
    });

    it('of a hold that was converted, released or has expired is 409 HOLD_EXPIRED, changing nothing', async () => {
      const p = await createProvider(t);
      const converted = await hold(t, slot(p.id, '09:00'));
      await book(t, { hold_id: converted.id });
      const released = await hold(t, slot(p.id, '11:00'));
      await del(t, `/api/v1/holds/${released.id}`);
      const expiring = await hold(t, { ...slot(p.id, '13:00'), ttl_seconds: 30 });
      const before = await snapshot(t);
      expectErrorShape(await post(t, '/api/v1/bookings', { hold_id: converted.id }), 409, 'HOLD_EXPIRED');
      expectErrorShape(await post(t, '/api/v1/bookings', { hold_id: released.id }), 409, 'HOLD_EXPIRED');
      t.clock.set(Date.parse(expiring.expires_at) - 1);
      const justInTime = await post(t, '/api/v1/bookings', { hold_id: expiring.id });
      expect(justInTime.statusCode).toBe(201);
      const late = await hold(t, { ...slot(p.id, '15:00'), ttl_seconds: 30 });
      const afterLate = await snapshot(t);
      t.clock.set(Date.parse(late.expires_at));
      expectErrorShape(await post(t, '/api/v1/bookings', { hold_id: late.id }), 409, 'HOLD_EXPIRED');
      expect(await snapshot(t)).toEqual(afterLate);
      expect((await snapshot(t)).bookings).toHaveLength(before.bookings.length + 1);
      expectErrorShape(await post(t, '/api/v1/bookings', { hold_id: 999_999 }), 404, 'HOLD_NOT_FOUND');
    });

    it.each([
      ['date', { date: DATE }],
      ['time', { time: '10:00' }],
      ['provider_id', { provider_id: 1 }],
      ['service_id', { service_id: 1 }],
      ['provider_ids', { provider_ids: [1] }],
      ['duration_minutes', { duration_minutes: 60 }],
      ['ttl_seconds', { ttl_seconds: 60 }],
    ])('refuses %s beside hold_id with 400, keeping the hold', async (_field, extra) => {
      const p = await createProvider(t);
      const h = await hold(t, slot(p.id));
      const before = await snapshot(t);
      expectErrorShape(await post(t, '/api/v1/bookings', { hold_id: h.id, ...extra }), 400, 'VALIDATION_ERROR');
      expect(await snapshot(t)).toEqual(before);
      expect((await get(t, `/api/v1/holds/${h.id}`)).statusCode).toBe(200);
    });

    it('replays an idempotent conversion instead of refusing it', async () => {
      const p = await createProvider(t);
      const h = await hold(t, slot(p.id));
      const key = { 'idempotency-key': `convert-${h.id}` };
      const first = await post(t, '/api/v1/bookings', { hold_id: h.id, customer_name: 'Ada' }, key);
      const again = await post(t, '/api/v1/bookings', { hold_id: h.id, customer_name: 'Ada' }, key);
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect((await snapshot(t)).bookings.filter((r: any) => Number(r.provider_id) === p.id)).toHaveLength(1);
    });

    it('of one hold by several requests at once gives one booking; the others get 409 HOLD_EXPIRED', async () => {
      const p = await createProvider(t);
      const h = await hold(t, slot(p.id));
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(t, '/api/v1/bookings', { hold_id: h.id, notes: `try ${i}` })));
      expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
      for (const a of answers.filter((x) => x.statusCode !== 201)) expectErrorShape(a, 409, 'HOLD_EXPIRED');
      const rows = await queryOf(t)(`select id from bookings where provider_id = ${p.id}`);
      expect(rows).toHaveLength(1);
      expect(await occupancyProblems(queryOf(t), p.id, 1, t.clock.now())).toEqual([]);
    });
  });
});
