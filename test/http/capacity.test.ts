import { DIALECTS } from '../support/databases';
import { createTestApp, TEST_NOW, TestApp } from '../support/http-harness';
import { occupancyProblems, storedPeak } from '../support/occupancy-sweep';
import { book, createProvider, del, expectErrorShape, get, Json, patch, post } from './helpers';
import { as, clientKey, createService, hold, queryOf, snapshot } from './part2-helpers';

const DATE = '2027-12-25';
const ALL_DAY = [['00:00', '24:00']];
const OPEN_EVERY_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ALL_DAY]));
const SEED_409 = { error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE' };

describe.each(DIALECTS)('capacity over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.set(TEST_NOW));

  const at = (time: string, duration = 60, date = DATE) => ({ date, time, duration_minutes: duration });
  const attempt = (providerId: number, time: string, duration = 60, headers: Record<string, string> = {}, date = DATE) =>
    post(t, '/api/v1/bookings', { provider_id: providerId, ...at(time, duration, date) }, headers);
  const slotsOf = async (providerId: number, query = `date=${DATE}&duration_minutes=60`) => {
    const res = await get(t, `/api/v1/providers/${providerId}/availability?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json().days[0] as { date: string; slots: string[]; remaining: number[] };
  };
  const remainingAt = async (providerId: number, query?: string) => {
    const day = await slotsOf(providerId, query);
    return Object.fromEntries(day.slots.map((s, i) => [s, day.remaining[i]]));
  };
  const healthy = async (providerId: number, capacity: number) => {
    expect(await occupancyProblems(queryOf(t), providerId, capacity, t.clock.now())).toEqual([]);
    expect(await storedPeak(queryOf(t), providerId, t.clock.now())).toBeLessThanOrEqual(capacity);
  };

  describe('the capacity field', () => {
    it('is 1 unless given, takes 1..1000 on create, and PATCH changes it', async () => {
      const plain = await createProvider(t);
      expect(plain.capacity).toBe(1);
      const big = await createProvider(t, { capacity: 1000 });
      expect(big.capacity).toBe(1000);
      const p = await createProvider(t, { capacity: 3 });
      expect((await get(t, `/api/v1/providers/${p.id}`)).json().capacity).toBe(3);
      const res = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 12 });
      expect(res.statusCode).toBe(200);
      expect(res.json().capacity).toBe(12);
      expect((await get(t, `/api/v1/providers/${p.id}`)).json().capacity).toBe(12);
      expect((await get(t, '/api/v1/providers?limit=200')).json().data.find((x: Json) => x.id === p.id).capacity).toBe(12);
    });

    it.each([0, 1001, -1, 2.5, '3', null, true])('refuses capacity %p with 400 on create and PATCH, changing nothing', async (capacity) => {
      const p = await createProvider(t, { capacity: 2 });
      const before = await snapshot(t);
      expectErrorShape(await post(t, '/api/v1/providers', { name: 'X', email: `cap${String(capacity)}@example.com`, capacity }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, `/api/v1/providers/${p.id}`, { capacity }), 400, 'VALIDATION_ERROR');
      expect(await snapshot(t)).toEqual(before);
    });

    it('is the admin’s to change: a client’s PATCH is 403', async () => {
      const p = await createProvider(t, { capacity: 2 });
      const client = await clientKey(t);
      expectErrorShape(await patch(t, `/api/v1/providers/${p.id}`, { capacity: 5 }, as(t, client.key)), 403, 'FORBIDDEN');
      expect((await get(t, `/api/v1/providers/${p.id}`)).json().capacity).toBe(2);
    });
  });

  describe('at most `capacity` occupying bookings overlap at any instant', () => {
    it('takes three bookings of one slot with capacity 3, and refuses the fourth with the seed’s 409 naming one of them', async () => {
      const p = await createProvider(t, { capacity: 3 });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await book(t, { provider_id: p.id, ...at('10:00') })).id);
      const before = await snapshot(t);
      const res = await attempt(p.id, '10:00');
      expectErrorShape(res, 409, 'SLOT_UNAVAILABLE');
      expect(res.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: expect.any(Number) } });
      expect(ids).toContain(res.json().details.conflicting_booking_id);
      expect(await snapshot(t)).toEqual(before);
      await healthy(p.id, 3);
    });

    it('judges each instant: spans that never overlap three at once fit in capacity 2, whatever their total', async () => {
      const p = await createProvider(t, { capacity: 2 });
      const a = await book(t, { provider_id: p.id, ...at('09:00', 60) });
      await book(t, { provider_id: p.id, ...at('10:00', 60) });
      const c = await book(t, { provider_id: p.id, ...at('09:30', 60) });
      // 09:45-10:15 would make three at 09:45 (09:00, 09:30) and at 10:00 (09:30, 10:00).
      const refused = await attempt(p.id, '09:45', 30);
      expect(refused.statusCode).toBe(409);
      expect([a.id, c.id]).toContain(refused.json().details.conflicting_booking_id);
      // Touching spans do not overlap: 08:00-09:30 meets 09:30 and overlaps only 09:00-10:00.
      await book(t, { provider_id: p.id, ...at('08:00', 90) });
      await book(t, { provider_id: p.id, ...at('10:30', 30) });
      expect((await attempt(p.id, '10:45', 15)).statusCode).toBe(409);
      expect((await attempt(p.id, '11:00', 60)).statusCode).toBe(201);
      await healthy(p.id, 2);
    });

    it('widens every span by the buffers before counting', async () => {
      const p = await createProvider(t, { capacity: 2 });
      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/providers/${p.id}/schedule`,
        headers: t.headers(),
        payload: { weekly: OPEN_EVERY_DAY, buffer_after_minutes: 30 },
      });
      expect(put.statusCode).toBe(200);
      await book(t, { provider_id: p.id, ...at('10:00', 30) });
      await book(t, { provider_id: p.id, ...at('10:00', 30) });
      // Each takes 10:00-11:00 with its buffer; a third needs to start so that its own span begins at 11:00.
      expect((await attempt(p.id, '10:30', 30)).statusCode).toBe(409);
      expect((await attempt(p.id, '10:45', 15)).statusCode).toBe(409);
      expect((await attempt(p.id, '11:00', 30)).statusCode).toBe(201);
      expect((await attempt(p.id, '11:00', 30)).statusCode).toBe(201);
      expect((await attempt(p.id, '11:00', 30)).statusCode).toBe(409);
      expect(await storedPeak(queryOf(t), p.id, t.clock.now(), { before: 0, after: 30 })).toBe(2);
    });

    it('with capacity 1 is the old rule: no overlap, a 409 naming the booking in the way, every remaining 1', async () => {
      const p = await createProvider(t);
      const first = await book(t, { provider_id: p.id, ...at('10:00', 60) });
      const res = await attempt(p.id, '10:30', 60);
      expect(res.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: first.id } });
      expect((await attempt(p.id, '11:00', 60)).statusCode).toBe(201);
      const day = await slotsOf(p.id);
      expect(day.slots).not.toContain('10:00');
      expect(day.slots).not.toContain('11:00');
      expect(day.slots).toHaveLength(22);
      expect(day.remaining).toEqual(day.slots.map(() => 1));
    });

    it('counts pending bookings and live holds like active ones, and seed-form and service bookings alike', async () => {
      const p = await createProvider(t, { capacity: 4 });
      const plain = await createService(t, { duration_minutes: 60, pools: [[p.id]] });
      const approval = await createService(t, { duration_minutes: 60, pools: [[p.id]], requires_confirmation: true });
      const seed = await book(t, { provider_id: p.id, ...at('10:00') });
      const service = await book(t, { service_id: plain.id, date: DATE, time: '10:00' });
      const pending = await book(t, { service_id: approval.id, date: DATE, time: '10:00' });
      expect(pending.status).toBe('pending');
      const held = await hold(t, { provider_id: p.id, ...at('10:00') });
      expect(held.provider_ids).toEqual([p.id]);

      const bySeed = await attempt(p.id, '10:00');
      expect(bySeed.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: expect.any(Number) } });
      expect([seed.id, service.id, pending.id]).toContain(bySeed.json().details.conflicting_booking_id);
      const byService = await post(t, '/api/v1/bookings', { service_id: plain.id, date: DATE, time: '10:00' });
      expect(byService.json()).toEqual({ ...SEED_409, details: { pool: 0 } });
      expect((await post(t, '/api/v1/holds', { provider_id: p.id, ...at('10:00') })).statusCode).toBe(409);
      expect((await slotsOf(p.id)).slots).not.toContain('10:00');
      const serviceDay = (await get(t, `/api/v1/services/${plain.id}/availability?date=${DATE}`)).json().days[0];
      expect(serviceDay.slots).not.toContain('10:00');
      expect(serviceDay.slots).toContain('11:00');
      await healthy(p.id, 4);

      // Each of them, once it stops occupying, frees one place at once.
      expect((await post(t, `/api/v1/bookings/${pending.id}/decline`, {})).statusCode).toBe(200);
      const again = await book(t, { provider_id: p.id, ...at('10:00') });
      expect((await del(t, `/api/v1/bookings/${again.id}`)).statusCode).toBe(204);
      expect((await del(t, `/api/v1/holds/${held.id}`)).statusCode).toBe(204);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(201);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(201);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(409);
      await healthy(p.id, 4);
    });

    it('a hold stops counting at its expires_at, with nothing run in between', async () => {
      const p = await createProvider(t, { capacity: 2 });
      await book(t, { provider_id: p.id, ...at('10:00') });
      const held = await hold(t, { provider_id: p.id, ...at('10:00'), ttl_seconds: 60 });
      expect((await attempt(p.id, '10:00')).statusCode).toBe(409);
      t.clock.set(Date.parse(held.expires_at) - 1);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(409);
      expect(await remainingAt(p.id)).not.toHaveProperty('10:00');
      t.clock.set(Date.parse(held.expires_at));
      expect((await remainingAt(p.id))['10:00']).toBe(1);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(201);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(409);
      await healthy(p.id, 2);
    });
  });

  describe('which booking a refusal names', () => {
    it('names only a booking the caller may see, and none for a span full of others’ bookings or of holds', async () => {
      const p = await createProvider(t, { capacity: 2 });
      const alice = await clientKey(t, 'alice');
      const bob = await clientKey(t, 'bob');
      const own = await book(t, { provider_id: p.id, ...at('10:00') }, as(t, alice.key));
      const admins = await book(t, { provider_id: p.id, ...at('10:00') });

      const byAlice = await attempt(p.id, '10:00', 60, as(t, alice.key));
      expect(byAlice.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: own.id } });
      const byBob = await attempt(p.id, '10:00', 60, as(t, bob.key));
      expectErrorShape(byBob, 409, 'SLOT_UNAVAILABLE');
      expect(byBob.json()).toEqual(SEED_409);
      const byAdmin = await attempt(p.id, '10:00');
      expect([own.id, admins.id]).toContain(byAdmin.json().details.conflicting_booking_id);

      const q = await createProvider(t, { capacity: 2 });
      await hold(t, { provider_id: q.id, ...at('10:00') });
      await hold(t, { provider_id: q.id, ...at('10:00') }, as(t, alice.key));
      expect((await attempt(q.id, '10:00')).json()).toEqual(SEED_409);
      expect((await attempt(q.id, '10:00', 60, as(t, alice.key))).json()).toEqual(SEED_409);

      const r = await createProvider(t, { capacity: 2 });
      await hold(t, { provider_id: r.id, ...at('10:00') });
      const beside = await book(t, { provider_id: r.id, ...at('10:30') });
      expect((await attempt(r.id, '10:00')).json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: beside.id } });
    });
  });

  describe('lanes reassigned when a booking fits by count but finds no single free lane', () => {
    /**
     * Capacity 2 with 09:00-10:00 on one lane and 10:30-11:30 on the other (a booking beside it was cancelled): a
     * booking of 09:30-11:00 overlaps only one of them at any instant, yet both lanes are held somewhere in its span.
     */
    async function crossedLanes(): Promise<{ p: Json; early: Json; late: Json }> {
      const p = await createProvider(t, { capacity: 2 });
      const early = await book(t, { provider_id: p.id, ...at('09:00', 60) });
      const beside = await book(t, { provider_id: p.id, ...at('10:30', 60) });
      const late = await book(t, { provider_id: p.id, ...at('10:30', 60) });
      expect((await del(t, `/api/v1/bookings/${beside.id}`)).statusCode).toBe(204);
      const lanes = await queryOf(t)(`select booking_id, lane from occupancies where provider_id = ${p.id} and status = 'occupying' order by booking_id`);
      expect(lanes.map((r) => [Number(r.booking_id), Number(r.lane)])).toEqual([
        [early.id, 1],
        [late.id, 2],
      ]);
      return { p, early, late };
    }

    it('takes a new booking, moving others between lanes, and keeps refusing a third at once', async () => {
      const { p, early, late } = await crossedLanes();
      // 09:00-10:30 meets only 09:00-10:00 (10:30-11:30 starts as it ends): one place left.
      expect((await remainingAt(p.id, `date=${DATE}&duration_minutes=90`))['09:00']).toBe(1);
      const res = await attempt(p.id, '09:30', 90);
      expect(res.statusCode).toBe(201);
      await healthy(p.id, 2);
      // The path under test ran: 10:30-11:30 left lane 2 for lane 1, which 09:00-10:00 frees before it starts.
      const lanes = await queryOf(t)(`select booking_id, lane from occupancies where provider_id = ${p.id} and status = 'occupying' order by booking_id`);
      expect(lanes.map((r) => [Number(r.booking_id), Number(r.lane)])).toEqual([
        [early.id, 1],
        [late.id, 1],
        [res.json().id, 2],
      ]);
      const third = await attempt(p.id, '09:45', 15);
      expect(third.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: expect.any(Number) } });
      expect([early.id, res.json().id]).toContain(third.json().details.conflicting_booking_id);
      expect((await attempt(p.id, '11:00', 30)).statusCode).toBe(201);
      expect((await attempt(p.id, '11:00', 30)).statusCode).toBe(409);
      await healthy(p.id, 2);
    });

    it('does the same for a hold and for a service booking', async () => {
      const first = await crossedLanes();
      const held = await hold(t, { provider_id: first.p.id, ...at('09:30', 90) });
      expect(held.starts_at).toBe('2027-12-25T09:30:00+00:00');
      await healthy(first.p.id, 2);
      expect((await attempt(first.p.id, '09:45', 15)).statusCode).toBe(409);

      const second = await crossedLanes();
      const service = await createService(t, { duration_minutes: 90, slot_interval_minutes: 30, pools: [[second.p.id]] });
      const booked = await book(t, { service_id: service.id, date: DATE, time: '09:30' });
      expect(booked.provider_ids).toEqual([second.p.id]);
      await healthy(second.p.id, 2);
    });

    it('moves a booking onto a span that needs its neighbours’ lanes changed (PATCH)', async () => {
      const p = await createProvider(t, { capacity: 2 });
      await book(t, { provider_id: p.id, ...at('09:00', 60) });
      const moving = await book(t, { provider_id: p.id, ...at('09:30', 60) });
      const beside = await book(t, { provider_id: p.id, ...at('10:30', 60) });
      await book(t, { provider_id: p.id, ...at('10:30', 60) });
      expect((await del(t, `/api/v1/bookings/${beside.id}`)).statusCode).toBe(204);
      // 09:45-10:45 meets 09:00-10:00 (lane 1) and 10:30-11:30 (lane 2) but never both at once.
      const res = await patch(t, `/api/v1/bookings/${moving.id}`, { time: '09:45' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ time: '09:45:00', end_time: '10:45:00', version: 2 });
      await healthy(p.id, 2);
      expect((await attempt(p.id, '09:50', 10)).statusCode).toBe(409);
      expect((await attempt(p.id, '10:30', 15)).statusCode).toBe(409);
      expect((await attempt(p.id, '10:00', 15)).statusCode).toBe(201);
    });
  });

  describe('lowering capacity', () => {
    it('below what an instant from now on holds is 409 CAPACITY_IN_USE and changes nothing; to what fits works', async () => {
      const p = await createProvider(t, { capacity: 3 });
      await book(t, { provider_id: p.id, ...at('10:00') });
      await book(t, { provider_id: p.id, ...at('10:30') });
      const before = await snapshot(t);
      const res = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1 });
      expectErrorShape(res, 409, 'CAPACITY_IN_USE');
      expect(await snapshot(t)).toEqual(before);
      const both = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1, name: 'Renamed' });
      expectErrorShape(both, 409, 'CAPACITY_IN_USE');
      expect(await snapshot(t)).toEqual(before);

      const ok = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 2 });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().capacity).toBe(2);
      expect((await attempt(p.id, '10:30', 15)).statusCode).toBe(409);
      expect((await attempt(p.id, '10:15', 15)).statusCode).toBe(201);
      expect((await attempt(p.id, '09:00', 60)).statusCode).toBe(201);
      await healthy(p.id, 2);
    });

    it('counts live holds, and not expired ones', async () => {
      const p = await createProvider(t, { capacity: 2 });
      await book(t, { provider_id: p.id, ...at('10:00') });
      const held = await hold(t, { provider_id: p.id, ...at('10:00'), ttl_seconds: 30 });
      expectErrorShape(await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1 }), 409, 'CAPACITY_IN_USE');
      t.clock.set(Date.parse(held.expires_at));
      const res = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1 });
      expect(res.statusCode).toBe(200);
      await healthy(p.id, 1);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(409);
    });

    it('ignores instants that have passed', async () => {
      const p = await createProvider(t, { capacity: 3 });
      for (let i = 0; i < 3; i++) await book(t, { provider_id: p.id, ...at('09:00', 60, '2027-01-05') });
      await book(t, { provider_id: p.id, ...at('12:00', 60, '2027-01-05') });
      t.clock.set('2027-01-05T10:00:00Z');
      const res = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1 });
      expect(res.statusCode).toBe(200);
      expect((await attempt(p.id, '12:30', 30, {}, '2027-01-05')).statusCode).toBe(409);
      expect((await attempt(p.id, '13:00', 30, {}, '2027-01-05')).statusCode).toBe(201);
    });

    it('works while a booking that overlapped a full past is still running', async () => {
      const p = await createProvider(t, { capacity: 3 });
      await book(t, { provider_id: p.id, ...at('09:00', 60, '2027-01-05') });
      await book(t, { provider_id: p.id, ...at('09:00', 60, '2027-01-05') });
      const running = await book(t, { provider_id: p.id, ...at('09:00', 180, '2027-01-05') });
      t.clock.set('2027-01-05T10:30:00Z');
      // From now on only the 09:00-12:00 booking occupies: one at a time.
      const res = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1 });
      expect(res.statusCode).toBe(200);
      const refused = await attempt(p.id, '11:00', 30, {}, '2027-01-05');
      expect(refused.json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: running.id } });
      expect((await attempt(p.id, '12:00', 30, {}, '2027-01-05')).statusCode).toBe(201);
    });

    it('moves bookings off the lanes above the new capacity when they fit below it', async () => {
      const p = await createProvider(t, { capacity: 3 });
      await book(t, { provider_id: p.id, ...at('09:00') });
      const x = await book(t, { provider_id: p.id, ...at('10:00') });
      const y = await book(t, { provider_id: p.id, ...at('10:00') });
      const high = await book(t, { provider_id: p.id, ...at('10:00') });
      await del(t, `/api/v1/bookings/${x.id}`);
      await del(t, `/api/v1/bookings/${y.id}`);
      const lane = await queryOf(t)(`select lane from occupancies where booking_id = ${high.id} and status = 'occupying'`);
      expect(Number(lane[0].lane)).toBe(3);

      const res = await patch(t, `/api/v1/providers/${p.id}`, { capacity: 1 });
      expect(res.statusCode).toBe(200);
      await healthy(p.id, 1);
      expect((await attempt(p.id, '10:00')).json()).toEqual({ ...SEED_409, details: { conflicting_booking_id: high.id } });
      expect((await attempt(p.id, '09:30')).statusCode).toBe(409);
      expect((await attempt(p.id, '11:00')).statusCode).toBe(201);
      expect((await slotsOf(p.id)).remaining.every((r) => r === 1)).toBe(true);
    });

    it('raising it takes effect at once', async () => {
      const p = await createProvider(t);
      await book(t, { provider_id: p.id, ...at('10:00') });
      expect((await attempt(p.id, '10:00')).statusCode).toBe(409);
      expect((await patch(t, `/api/v1/providers/${p.id}`, { capacity: 2 })).statusCode).toBe(200);
      expect((await remainingAt(p.id))['10:00']).toBe(1);
      expect((await attempt(p.id, '10:00')).statusCode).toBe(201);
      await healthy(p.id, 2);
    });
  });

  describe('availability’s remaining', () => {
    it('lists, beside every slot, how many more bookings of the duration it takes, judged per instant', async () => {
      const p = await createProvider(t, { capacity: 3 });
      const fresh = await slotsOf(p.id);
      expect(fresh.slots).toHaveLength(24);
      expect(fresh.remaining).toEqual(fresh.slots.map(() => 3));

      await book(t, { provider_id: p.id, ...at('10:00', 60) });
      await book(t, { provider_id: p.id, ...at('10:30', 60) });
      await hold(t, { provider_id: p.id, ...at('12:00', 30) });
      const left = await remainingAt(p.id);
      expect(left).toMatchObject({ '09:00': 3, '10:00': 1, '11:00': 2, '12:00': 2, '13:00': 3 });
      const day = await slotsOf(p.id);
      expect(day.remaining).toHaveLength(day.slots.length);
      for (const r of day.remaining) expect(r).toBeGreaterThanOrEqual(1);

      // Availability and acceptance are one rule: a slot takes exactly its remaining count.
      for (const [slot, n] of Object.entries({ '10:00': 1, '11:00': 2 })) {
        for (let i = 0; i < n; i++) expect((await attempt(p.id, slot)).statusCode).toBe(201);
        expect((await attempt(p.id, slot)).statusCode).toBe(409);
      }
      const after = await slotsOf(p.id);
      expect(after.slots).not.toContain('10:00');
      expect(after.slots).not.toContain('11:00');
    });

    it('widens by the buffers', async () => {
      const p = await createProvider(t, { capacity: 2 });
      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/providers/${p.id}/schedule`,
        headers: t.headers(),
        payload: { weekly: OPEN_EVERY_DAY, buffer_before_minutes: 30 },
      });
      expect(put.statusCode).toBe(200);
      await book(t, { provider_id: p.id, ...at('12:00', 60) });
      // 12:00-13:00 takes 11:30-13:00: the 11:00 slot (10:30-12:00) and the 13:00 slot (12:30-14:00) meet it.
      expect(await remainingAt(p.id)).toMatchObject({ '10:00': 2, '11:00': 1, '12:00': 1, '13:00': 1, '14:00': 2 });
    });
  });
});
