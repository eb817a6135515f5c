import { sql } from 'kysely';
import { createOutboxApp, makeWebhook, Receiver, verifySignature } from '../outbox/support';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, del, expectErrorShape, get, Json, patch, post, readView } from './helpers';

// now (harness): Monday 2027-01-04 08:00 UTC. 2027-06-07 is a Monday; London is UTC+1, Berlin UTC+2, New York UTC-4.
const DAY = '2027-06-07';
const SLOT_TAKEN = 'This time slot is already booked';
const WORKDAY = (from: string, to: string) => ({ weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [[from, to]]])) });

async function putSchedule(t: TestApp, providerId: number, schedule: Json): Promise<void> {
  const res = await t.app.inject({ method: 'PUT', url: `/api/v1/providers/${providerId}/schedule`, headers: t.headers(), payload: schedule });
  expect(res.statusCode).toBe(200);
}

async function createServiceOf(t: TestApp, fields: Json): Promise<Json> {
  const res = await post(t, '/api/v1/services', { name: 'Haircut', duration_minutes: 60, ...fields });
  if (res.statusCode !== 201) throw new Error(`service: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function issueClientKey(t: TestApp): Promise<string> {
  const res = await post(t, '/api/v1/api-keys', { name: 'front desk', role: 'client' });
  expect(res.statusCode).toBe(201);
  return res.json().key;
}

/** Every row a refused request must leave as it was. */
async function stored(t: TestApp): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['services', 'bookings', 'occupancies', 'booking_events', 'holds'] as const) {
    out[table] = (await sql<Json>`select * from ${sql.table(table)} order by id`.execute(t.service.database.db)).rows;
  }
  return out;
}

const history = async (t: TestApp, id: number): Promise<Json[]> => (await get(t, `/api/v1/bookings/${id}/history`)).json().data;

describe.each(DIALECTS)('services and pools over HTTP on %s', (dialect) => {
  let t: TestApp;
  let clientKey: string;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
    clientKey = await issueClientKey(t);
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.set('2027-01-04T08:00:00Z'));

  describe('the service resource', () => {
    it('creates a service with every field, defaults filled in, and reads it back', async () => {
      const a = await createProvider(t);
      const b = await createProvider(t);
      const res = await post(t, '/api/v1/services', { name: '  Colour  ', duration_minutes: 45, pools: [[a.id], [b.id]] });
      expect(res.statusCode).toBe(201);
      const s = res.json();
      expect(s).toEqual({
        id: expect.any(Number),
        name: 'Colour',
        duration_minutes: 45,
        timezone: 'UTC',
        slot_interval_minutes: 45,
        requires_confirmation: false,
        min_cancel_notice_minutes: 0,
        min_reschedule_notice_minutes: 0,
        pools: [[a.id], [b.id]],
        created_at: '2027-01-04T08:00:00.000Z',
        updated_at: '2027-01-04T08:00:00.000Z',
      });
      expect(res.headers.location).toBe(`/api/v1/services/${s.id}`);
      expect((await get(t, `/api/v1/services/${s.id}`)).json()).toEqual(s);

      const full = await createServiceOf(t, {
        name: 'Consultation',
        duration_minutes: 30,
        pools: [[b.id, a.id]],
        timezone: 'Asia/Tokyo',
        slot_interval_minutes: 15,
        requires_confirmation: true,
        min_cancel_notice_minutes: 1440,
        min_reschedule_notice_minutes: 60,
      });
      expect(full).toMatchObject({
        duration_minutes: 30,
        pools: [[b.id, a.id]],
        timezone: 'Asia/Tokyo',
        slot_interval_minutes: 15,
        requires_confirmation: true,
        min_cancel_notice_minutes: 1440,
        min_reschedule_notice_minutes: 60,
      });
    });

    it('keeps the slot interval set at creation when a PATCH changes only the duration, and changes what is sent', async () => {
      const a = await createProvider(t);
      const s = await createServiceOf(t, { duration_minutes: 30, pools: [[a.id]] });
      expect(s.slot_interval_minutes).toBe(30);
      t.clock.set('2027-01-05T10:00:00Z');
      const res = await patch(t, `/api/v1/services/${s.id}`, { duration_minutes: 60, name: 'Long cut', timezone: 'Europe/Berlin' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        ...s,
        duration_minutes: 60,
        name: 'Long cut',
        timezone: 'Europe/Berlin',
        slot_interval_minutes: 30,
        updated_at: '2027-01-05T10:00:00.000Z',
      });
      expect((await patch(t, `/api/v1/services/${s.id}`, { slot_interval_minutes: 20 })).json().slot_interval_minutes).toBe(20);
      expect((await get(t, `/api/v1/services/${s.id}`)).json()).toMatchObject({ duration_minutes: 60, slot_interval_minutes: 20 });
    });

    it('pages services in id order with a keyset cursor, each once, deleted ones left out', async () => {
      const a = await createProvider(t);
      const mine: number[] = [];
      for (let i = 0; i < 5; i++) mine.push((await createServiceOf(t, { name: `S${i}`, pools: [[a.id]] })).id);
      expect((await del(t, `/api/v1/services/${mine[2]}`)).statusCode).toBe(204);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(t, `/api/v1/services?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json();
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((s: Json) => s.id));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor && pages < 100);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([mine[0], mine[1], mine[3], mine[4]]));
      expect(seen).not.toContain(mine[2]);
      expectErrorShape(await get(t, '/api/v1/services?cursor=not-a-cursor'), 400, 'VALIDATION_ERROR');
      expectErrorShape(await get(t, '/api/v1/services?limit=0'), 400, 'VALIDATION_ERROR');
      expectErrorShape(await get(t, '/api/v1/services?limit=201'), 400, 'VALIDATION_ERROR');
    });

    it('answers an unknown service 404 SERVICE_NOT_FOUND "Service not found" on every route', async () => {
      const expected = { error: 'Service not found', code: 'SERVICE_NOT_FOUND' };
      for (const res of [
        await get(t, '/api/v1/services/999999'),
        await patch(t, '/api/v1/services/999999', { name: 'x' }),
        await del(t, '/api/v1/services/999999'),
        await get(t, `/api/v1/services/999999/availability?date=${DAY}`),
        await post(t, '/api/v1/bookings', { service_id: 999999, date: DAY, time: '10:00' }),
      ]) {
        expectErrorShape(res, 404, 'SERVICE_NOT_FOUND');
        expect(res.json()).toEqual(expected);
      }
    });

    it('deletes a service: gone for every route from then on, a second DELETE 404; its bookings stay and keep service_id', async () => {
      const a = await createProvider(t);
      const s = await createServiceOf(t, { pools: [[a.id]] });
      const booking = await book(t, { service_id: s.id, date: DAY, time: '10:00' });
      expect((await del(t, `/api/v1/services/${s.id}`)).statusCode).toBe(204);

      for (const res of [
        await get(t, `/api/v1/services/${s.id}`),
        await patch(t, `/api/v1/services/${s.id}`, { name: 'Back' }),
        await get(t, `/api/v1/services/${s.id}/availability?date=${DAY}`),
        await post(t, '/api/v1/bookings', { service_id: s.id, date: DAY, time: '12:00' }),
        await post(t, '/api/v1/holds', { service_id: s.id, date: DAY, time: '12:00' }),
        await post(t, '/api/v1/booking-series', { service_id: s.id, date: DAY, time: '12:00', repeat: { frequency: 'daily', count: 2 } }),
        await del(t, `/api/v1/services/${s.id}`),
      ]) {
        expect(res.json()).toEqual({ error: 'Service not found', code: 'SERVICE_NOT_FOUND' });
        expect(res.statusCode).toBe(404);
      }
      const list = (await get(t, '/api/v1/services?limit=200')).json().data as Json[];
      expect(list.map((x) => x.id)).not.toContain(s.id);

      const kept = await get(t, `/api/v1/bookings/${booking.id}`);
      expect(kept.statusCode).toBe(200);
      expect(kept.json()).toEqual(readView(booking));
      expect((await get(t, `/api/v1/bookings?service_id=${s.id}`)).json().data.map((b: Json) => b.id)).toEqual([booking.id]);
      // It still takes its provider's time.
      expect((await get(t, `/api/v1/providers/${a.id}/availability?date=${DAY}&duration_minutes=60`)).json().days[0].slots).not.toContain('10:00');
      // It can still be moved (among the pools it was booked from) and cancelled.
      const moved = await patch(t, `/api/v1/bookings/${booking.id}`, { time: '11:00' });
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toMatchObject({ service_id: s.id, provider_ids: [a.id], time: '11:00:00' });
      expect((await del(t, `/api/v1/bookings/${booking.id}`)).statusCode).toBe(204);
    });

    it('lets clients read services but not write them: 403, decided before the body is read', async () => {
      const a = await createProvider(t);
      const s = await createServiceOf(t, { pools: [[a.id]] });
      const client = t.headers(clientKey);
      const before = await stored(t);
      for (const [method, url] of [
        ['POST', '/api/v1/services'],
        ['PATCH', `/api/v1/services/${s.id}`],
        ['DELETE', `/api/v1/services/${s.id}`],
      ] as const) {
        // A body that is not even JSON: were it read first, the answer would be 400.
        const res = await t.app.inject({ method, url, headers: client, payload: '{"name": ' });
        expectErrorShape(res, 403, 'FORBIDDEN');
        const valid = await t.app.inject({ method, url, headers: client, payload: { name: 'Valid', duration_minutes: 30, pools: [[a.id]] } });
        expectErrorShape(valid, 403, 'FORBIDDEN');
      }
      expect(await stored(t)).toEqual(before);

      expect((await t.app.inject({ method: 'GET', url: `/api/v1/services/${s.id}`, headers: client })).json()).toEqual(s);
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: client });
      expect(list.statusCode).toBe(200);
      expect(list.json().data.map((x: Json) => x.id)).toContain(s.id);
      const avail = await t.app.inject({ method: 'GET', url: `/api/v1/services/${s.id}/availability?date=${DAY}`, headers: client });
      expect(avail.statusCode).toBe(200);
      const booked = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: client, payload: { service_id: s.id, date: DAY, time: '09:00' } });
      expect(booked.statusCode).toBe(201);
    });

    describe('validation', () => {
      let a: Json;
      let b: Json;
      beforeAll(async () => {
        a = await createProvider(t);
        b = await createProvider(t);
      });

      const manyProviders = async (n: number): Promise<number[]> => {
        const ids: number[] = [];
        for (let i = 0; i < n; i++) ids.push((await createProvider(t)).id);
        return ids;
      };

      it.each([
        ['an unknown provider', () => ({ pools: [[a.id, 999999]] })],
        ['a provider in two pools', () => ({ pools: [[a.id], [b.id, a.id]] })],
        ['a provider twice in one pool', () => ({ pools: [[a.id, a.id]] })],
        ['no pools', () => ({ pools: [] })],
        ['an empty pool', () => ({ pools: [[a.id], []] })],
        ['pools that are not lists of ids', () => ({ pools: [a.id, b.id] })],
        ['a provider id as a string', () => ({ pools: [[String(a.id)]] })],
        ['a duration below 5', () => ({ pools: [[a.id]], duration_minutes: 4 })],
        ['a duration above 480', () => ({ pools: [[a.id]], duration_minutes: 481 })],
        ['a slot interval of 0', () => ({ pools: [[a.id]], slot_interval_minutes: 0 })],
        ['an unknown time zone', () => ({ pools: [[a.id]], timezone: 'Mars/Olympus' })],
        ['an empty name', () => ({ pools: [[a.id]], name: '   ' })],
        ['a notice above 525600', () => ({ pools: [[a.id]], min_cancel_notice_minutes: 525601 })],
        ['an unknown field', () => ({ pools: [[a.id]], colour: 'red' })],
      ])('refuses %s with 400 and changes nothing', async (_name, body) => {
        const before = await stored(t);
        const res = await post(t, '/api/v1/services', { name: 'Cut', duration_minutes: 30, ...body() });
        expectErrorShape(res, 400, 'VALIDATION_ERROR');
        expect(await stored(t)).toEqual(before);
      });

      it('refuses more than 5 pools and more than 50 providers in a pool; 5 and 50 are fine', async () => {
        const ids = await manyProviders(51);
        const before = await stored(t);
        expectErrorShape(await post(t, '/api/v1/services', { name: 'Six', duration_minutes: 30, pools: ids.slice(0, 6).map((id) => [id]) }), 400, 'VALIDATION_ERROR');
        expectErrorShape(await post(t, '/api/v1/services', { name: 'Big', duration_minutes: 30, pools: [ids] }), 400, 'VALIDATION_ERROR');
        expect(await stored(t)).toEqual(before);
        expect((await post(t, '/api/v1/services', { name: 'Five', duration_minutes: 30, pools: ids.slice(0, 5).map((id) => [id]) })).statusCode).toBe(201);
        expect((await post(t, '/api/v1/services', { name: 'Fifty', duration_minutes: 30, pools: [ids.slice(0, 50)] })).statusCode).toBe(201);
      });

      it('names the missing fields of a create', async () => {
        const res = await post(t, '/api/v1/services', { name: 'Cut' });
        expectErrorShape(res, 400, 'VALIDATION_ERROR');
        expect(res.json().error).toBe('Missing required fields: duration_minutes, pools');
      });

      it('applies the same rules to a PATCH, which changes nothing when refused', async () => {
        const s = await createServiceOf(t, { pools: [[a.id], [b.id]] });
        const before = await stored(t);
        for (const body of [
          { pools: [[a.id], [a.id]] },
          { pools: [[999999]] },
          { pools: [] },
          { pools: [[a.id], []] },
          { duration_minutes: 500 },
          { timezone: 'Nowhere/Else' },
          { id: 5 },
          { created_at: '2027-01-01T00:00:00Z' },
        ]) {
          expectErrorShape(await patch(t, `/api/v1/services/${s.id}`, body), 400, 'VALIDATION_ERROR');
        }
        expect(await stored(t)).toEqual(before);
        const res = await patch(t, `/api/v1/services/${s.id}`, { pools: [[b.id, a.id]] });
        expect(res.statusCode).toBe(200);
        expect(res.json().pools).toEqual([[b.id, a.id]]);
      });
    });
  });

  describe('booking a service', () => {
    // Stylists in Berlin (09:00-17:00 there: 08:00-16:00 London) and New York (09:00-17:00 there: 14:00-22:00 London);
    // a chair in UTC with no schedule. The service reads dates and times in London.
    let berlin: Json;
    let newYork: Json;
    let chair: Json;
    let salon: Json;

    beforeEach(async () => {
      berlin = await createProvider(t, { name: 'Berlin stylist', timezone: 'Europe/Berlin' });
      newYork = await createProvider(t, { name: 'New York stylist', timezone: 'America/New_York' });
      chair = await createProvider(t, { name: 'Chair', timezone: 'UTC' });
      await putSchedule(t, berlin.id, WORKDAY('09:00', '17:00'));
      await putSchedule(t, newYork.id, WORKDAY('09:00', '17:00'));
      salon = await createServiceOf(t, { name: 'Cut', duration_minutes: 60, timezone: 'Europe/London', slot_interval_minutes: 30, pools: [[berlin.id, newYork.id], [chair.id]] });
    });

    it('takes one provider of every pool for the same real span; answers in the service’s zone', async () => {
      const res = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '09:00', customer_name: 'Grace' });
      expect(res.statusCode).toBe(201);
      const b = res.json();
      expect(b).toMatchObject({
        provider_id: berlin.id,
        provider_ids: [berlin.id, chair.id],
        service_id: salon.id,
        series_id: null,
        date: DAY,
        time: '09:00:00',
        end_time: '10:00:00',
        duration_minutes: 60,
        timezone: 'Europe/London',
        starts_at: `${DAY}T09:00:00+01:00`,
        ends_at: `${DAY}T10:00:00+01:00`,
        status: 'active',
        customer_name: 'Grace',
        version: 1,
        manage_token: expect.any(String),
      });
      expect(res.headers.location).toBe(`/api/v1/bookings/${b.id}`);
      expect((await get(t, `/api/v1/bookings/${b.id}`)).json()).toEqual(readView(b));
      const occupancies = await sql<Json>`select provider_id, block_start, block_end, status from occupancies where booking_id = ${b.id} order by provider_id`.execute(
        t.service.database.db,
      );
      const start = Date.parse(`${DAY}T08:00:00Z`);
      expect(occupancies.rows.map((o) => [Number(o.provider_id), Number(o.block_start), Number(o.block_end), o.status])).toEqual([
        [berlin.id, start, start + 3_600_000, 'occupying'],
        [chair.id, start, start + 3_600_000, 'occupying'],
      ]);
    });

    it('asks each provider its own schedule in its own zone', async () => {
      // 18:00 London is 19:00 in Berlin (closed) and 13:00 in New York (open).
      const evening = await book(t, { service_id: salon.id, date: DAY, time: '18:00' });
      expect(evening.provider_ids).toEqual([newYork.id, chair.id]);
      // 08:00 London is 09:00 in Berlin (open) and 03:00 in New York (closed).
      const morning = await book(t, { service_id: salon.id, date: DAY, time: '08:00' });
      expect(morning.provider_ids).toEqual([berlin.id, chair.id]);
      // 22:00 London: Berlin 23:00, New York 17:00, both closed.
      const before = await stored(t);
      const res = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '22:00' });
      expectErrorShape(res, 409, 'SLOT_UNAVAILABLE');
      expect(res.json()).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 0 } });
      // 07:30 London is 08:30 in Berlin: ending 09:30 there, it starts before the stylist does.
      expect((await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '07:30' })).json()).toEqual({
        error: SLOT_TAKEN,
        code: 'SLOT_UNAVAILABLE',
        details: { pool: 0 },
      });
      expect(await stored(t)).toEqual(before);
    });

    it('creates nothing when a later pool has no provider for the span, and names that pool', async () => {
      // 08:30 UTC is 09:30 London.
      await book(t, { provider_id: chair.id, date: DAY, time: '08:30', duration_minutes: 30 });
      const before = await stored(t);
      const res = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '09:00' });
      expect(res.json()).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 1 } });
      expect(res.statusCode).toBe(409);
      expect(await stored(t)).toEqual(before);
      // The stylist is still free.
      expect((await get(t, `/api/v1/providers/${berlin.id}/availability?date=${DAY}&duration_minutes=60`)).json().days[0].slots).toContain('10:00');
    });

    it('refuses with 422 in the contract’s order: NONEXISTENT_LOCAL_TIME in the service’s zone, IN_THE_PAST, then off the grid', async () => {
      // London skips 01:00-02:00 on 2027-03-28; Berlin, two hours ahead of UTC then, has no such gap at that instant.
      const night = await createServiceOf(t, { duration_minutes: 30, timezone: 'Europe/London', pools: [[chair.id]] });
      const ny = await createServiceOf(t, { duration_minutes: 30, timezone: 'Asia/Tokyo', pools: [[newYork.id]] });
      const before = await stored(t);
      const skipped = await post(t, '/api/v1/bookings', { service_id: night.id, date: '2027-03-28', time: '01:30' });
      expectErrorShape(skipped, 422, 'NONEXISTENT_LOCAL_TIME');
      // A skipped time in the past is still NONEXISTENT_LOCAL_TIME; a past time off the grid is IN_THE_PAST.
      t.clock.set('2027-04-01T00:00:00Z');
      expectErrorShape(await post(t, '/api/v1/bookings', { service_id: night.id, date: '2027-03-28', time: '01:30' }), 422, 'NONEXISTENT_LOCAL_TIME');
      expectErrorShape(await post(t, '/api/v1/bookings', { service_id: night.id, date: '2027-03-29', time: '10:10' }), 422, 'IN_THE_PAST');
      t.clock.set('2027-01-04T08:00:00Z');
      // Off the grid: every slot_interval_minutes from local midnight.
      const off = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '09:15' });
      expectErrorShape(off, 422, 'OUTSIDE_WORKING_HOURS');
      // The message names the service's grid, not a provider's hours (a provider may well work at 09:15).
      expect(off.json().error).toMatch(/^The time is not on the service's grid \(every \d+ minutes from midnight in [\w/]+, ending by midnight\)$/);
      // A grid time whose span no stylist can take at all is still 409, not 422.
      expect((await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '23:00' })).statusCode).toBe(409);
      // A time that exists in the service's zone is judged on its real instant, even where a provider's zone skips it.
      const newYorkGap = await post(t, '/api/v1/bookings', { service_id: ny.id, date: '2027-03-14', time: '16:00' });
      // 16:00 Tokyo is 07:00 UTC: 03:00 in New York just after its clocks jumped; closed, so 409.
      expect(newYorkGap.json()).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 0 } });
      expect(await stored(t)).toEqual(before);
    });

    it('turns every provider-level refusal into 409 with details exactly {pool}', async () => {
      const strict = await createProvider(t, { timezone: 'Asia/Kolkata' });
      await putSchedule(t, strict.id, {
        weekly: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] },
        exceptions: { '2027-06-14': [] },
        buffer_after_minutes: 30,
        min_notice_minutes: 2 * 24 * 60,
        max_days_ahead: 200,
      });
      const spa = await createServiceOf(t, { duration_minutes: 30, timezone: 'UTC', pools: [[chair.id], [strict.id]] });
      const taken = await book(t, { provider_id: strict.id, date: DAY, time: '10:00', duration_minutes: 30 });
      const cases: [string, Json][] = [
        // Kolkata is UTC+05:30: 04:30 UTC is 10:00 there.
        ['too soon (notice)', { date: '2027-01-05', time: '04:30' }],
        ['too far ahead (horizon)', { date: '2027-12-06', time: '04:30' }],
        ['outside its working hours', { date: DAY, time: '00:00' }],
        ['a closed exception day', { date: '2027-06-14', time: '04:30' }],
        ['another booking', { date: DAY, time: '04:30' }],
        ['its buffer after another booking', { date: DAY, time: '05:00' }],
      ];
      for (const [name, slot] of cases) {
        const before = await stored(t);
        const res = await post(t, '/api/v1/bookings', { service_id: spa.id, ...slot });
        expect({ name, status: res.statusCode, body: res.json() }).toEqual({ name, status: 409, body: { error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 1 } } });
        expect(await stored(t)).toEqual(before);
      }
      // The same provider, booked directly, gives each reason its own code.
      const direct = async (slot: Json) => (await post(t, '/api/v1/bookings', { provider_id: strict.id, duration_minutes: 30, ...slot })).json();
      expect((await direct({ date: '2027-01-05', time: '10:00' })).code).toBe('TOO_SOON');
      expect((await direct({ date: '2027-12-06', time: '10:00' })).code).toBe('TOO_FAR_AHEAD');
      expect((await direct({ date: DAY, time: '05:30' })).code).toBe('OUTSIDE_WORKING_HOURS');
      expect(await direct({ date: DAY, time: '10:00' })).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { conflicting_booking_id: taken.id } });
      // 05:30 UTC is 11:00 in Kolkata: the buffer has passed.
      expect((await book(t, { service_id: spa.id, date: DAY, time: '05:30' })).provider_ids).toEqual([chair.id, strict.id]);
    });

    it('names the missing fields of the service form, and refuses fields that do not belong to it', async () => {
      const before = await stored(t);
      const cases: [Json, string][] = [
        [{ service_id: salon.id }, 'Missing required fields: date, time'],
        [{ service_id: salon.id, date: DAY }, 'Missing required fields: time'],
        [{ service_id: salon.id, time: '09:00', date: null }, 'Missing required fields: date'],
        [{ service_id: salon.id, time: '09:00', date: '' }, 'Missing required fields: date'],
        [{ date: DAY }, 'Missing required fields: provider_id, time'],
        [{ service_id: null, date: DAY, time: '09:00' }, 'Missing required fields: provider_id'],
        // An unknown service with fields missing: 400 comes before 404.
        [{ service_id: 999999 }, 'Missing required fields: date, time'],
      ];
      for (const [body, message] of cases) {
        const res = await post(t, '/api/v1/bookings', body);
        expectErrorShape(res, 400, 'VALIDATION_ERROR');
        expect(res.json().error).toBe(message);
      }
      for (const body of [
        { service_id: salon.id, date: DAY, time: '09:00', duration_minutes: 60 },
        { service_id: salon.id, provider_id: chair.id, date: DAY, time: '09:00' },
        { provider_id: chair.id, provider_ids: [chair.id], date: DAY, time: '09:00' },
        { service_id: salon.id, date: DAY, time: '09:00', provider_ids: ['1'] },
        { service_id: String(salon.id), date: DAY, time: '09:00' },
      ]) {
        expectErrorShape(await post(t, '/api/v1/bookings', body), 400, 'VALIDATION_ERROR');
      }
      expect(await stored(t)).toEqual(before);
    });

    it('chooses the least busy provider that date in the service’s zone, then the lowest id: a pool of two alternates', async () => {
      const x = await createProvider(t);
      const y = await createProvider(t);
      const pair = await createServiceOf(t, { duration_minutes: 30, pools: [[y.id, x.id]] });
      const chosen: number[] = [];
      for (const time of ['09:00', '10:00', '11:00', '12:00', '13:00', '14:00']) chosen.push((await book(t, { service_id: pair.id, date: DAY, time })).provider_id);
      expect(chosen).toEqual([x.id, y.id, x.id, y.id, x.id, y.id]);
      // Another date starts even again; a cancelled booking no longer counts.
      const next = await book(t, { service_id: pair.id, date: '2027-06-08', time: '09:00' });
      expect(next.provider_id).toBe(x.id);
      expect((await del(t, `/api/v1/bookings/${next.id}`)).statusCode).toBe(204);
      const extra = await book(t, { provider_id: x.id, date: '2027-06-08', time: '15:00' });
      expect((await book(t, { service_id: pair.id, date: '2027-06-08', time: '09:00' })).provider_id).toBe(y.id);
      expect((await book(t, { service_id: pair.id, date: '2027-06-08', time: '10:00' })).provider_id).toBe(x.id);
      expect(extra.provider_id).toBe(x.id);
      // A busy provider is passed over for one that can take the span even if it is the less busy one.
      await book(t, { provider_id: x.id, date: '2027-06-09', time: '09:00' });
      await book(t, { provider_id: y.id, date: '2027-06-09', time: '10:00' });
      await book(t, { provider_id: y.id, date: '2027-06-09', time: '11:00' });
      expect((await book(t, { service_id: pair.id, date: '2027-06-09', time: '09:00' })).provider_id).toBe(y.id);
    });

    it('counts a provider’s bookings by their date in the service’s zone, not the provider’s', async () => {
      const x = await createProvider(t, { timezone: 'UTC' });
      const y = await createProvider(t, { timezone: 'UTC' });
      // Tokyo is UTC+9: 2027-06-07 20:00 UTC is 2027-06-08 05:00 in Tokyo.
      await book(t, { provider_id: x.id, date: '2027-06-07', time: '20:00' });
      await book(t, { provider_id: y.id, date: '2027-06-08', time: '20:00' });
      const tokyo = await createServiceOf(t, { duration_minutes: 30, timezone: 'Asia/Tokyo', pools: [[x.id, y.id]] });
      // On 2027-06-08 in Tokyo, x has one booking and y none (y's is on 2027-06-09 there).
      expect((await book(t, { service_id: tokyo.id, date: '2027-06-08', time: '12:00' })).provider_id).toBe(y.id);
    });

    it('counts the whole service date when its midnight does not exist (America/Santiago starts 2027-09-05 at 01:00)', async () => {
      const x = await createProvider(t, { timezone: 'UTC' });
      const y = await createProvider(t, { timezone: 'UTC' });
      const santiago = await createServiceOf(t, { duration_minutes: 30, timezone: 'America/Santiago', pools: [[x.id, y.id]] });
      const first = await book(t, { service_id: santiago.id, date: '2027-09-05', time: '01:30' });
      expect(first.provider_id).toBe(x.id);
      // x has one booking that date already, y none.
      expect((await book(t, { service_id: santiago.id, date: '2027-09-05', time: '10:00' })).provider_id).toBe(y.id);
      expect((await book(t, { service_id: santiago.id, date: '2027-09-05', time: '11:00' })).provider_id).toBe(x.id);
    });

    it('refuses a grid time whose span would run past local midnight with 422 OUTSIDE_WORKING_HOURS, after the past', async () => {
      const late = await createServiceOf(t, { duration_minutes: 60, slot_interval_minutes: 30, timezone: 'Europe/London', pools: [[chair.id]] });
      const before = await stored(t);
      expectErrorShape(await post(t, '/api/v1/bookings', { service_id: late.id, date: DAY, time: '23:30' }), 422, 'OUTSIDE_WORKING_HOURS');
      expectErrorShape(await post(t, '/api/v1/bookings', { service_id: late.id, date: '2027-01-01', time: '23:30' }), 422, 'IN_THE_PAST');
      expect(await stored(t)).toEqual(before);
      const ok = await book(t, { service_id: late.id, date: DAY, time: '23:00' });
      expect(ok).toMatchObject({ end_time: '24:00:00', ends_at: '2027-06-08T00:00:00+01:00' });
      expectErrorShape(await patch(t, `/api/v1/bookings/${ok.id}`, { time: '23:30' }), 422, 'OUTSIDE_WORKING_HOURS');
    });

    it('honours pinned providers, refuses pins outside the pools, and never falls back from a pinned provider', async () => {
      const x = await createProvider(t);
      const y = await createProvider(t);
      const z = await createProvider(t);
      const outsider = await createProvider(t);
      const svc = await createServiceOf(t, { duration_minutes: 30, pools: [[x.id, y.id], [z.id]] });
      const pinned = await book(t, { service_id: svc.id, date: DAY, time: '09:00', provider_ids: [y.id] });
      expect(pinned.provider_ids).toEqual([y.id, z.id]);
      expect((await book(t, { service_id: svc.id, date: DAY, time: '10:00', provider_ids: [z.id, x.id] })).provider_ids).toEqual([x.id, z.id]);

      const before = await stored(t);
      for (const pins of [[outsider.id], [x.id, y.id], [999999], [x.id, x.id]]) {
        expectErrorShape(await post(t, '/api/v1/bookings', { service_id: svc.id, date: DAY, time: '11:00', provider_ids: pins }), 400, 'VALIDATION_ERROR');
      }
      // y is busy at 09:00; x is free, but the pin on y holds: no fallback.
      const busy = await post(t, '/api/v1/bookings', { service_id: svc.id, date: DAY, time: '09:00', provider_ids: [y.id] });
      expect(busy.json()).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 0 } });
      expect(await stored(t)).toEqual(before);
      // x could take 09:00, but the only provider of the second pool is busy then.
      expect((await post(t, '/api/v1/bookings', { service_id: svc.id, date: DAY, time: '09:00', provider_ids: [x.id] })).json().details).toEqual({ pool: 1 });
    });

    it('replays a service booking made with an Idempotency-Key, and refuses the key with another body', async () => {
      const key = { 'idempotency-key': `salon-${salon.id}` };
      const first = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '10:00' }, key);
      expect(first.statusCode).toBe(201);
      const again = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '10:00' }, key);
      expect([again.statusCode, again.json()]).toEqual([201, first.json()]);
      const other = await post(t, '/api/v1/bookings', { service_id: salon.id, date: DAY, time: '10:00', provider_ids: [newYork.id] }, key);
      expectErrorShape(other, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect((await get(t, `/api/v1/bookings?service_id=${salon.id}`)).json().data).toHaveLength(1);
    });

    it('shows service_id null and provider_ids [provider_id] on bookings made without a service', async () => {
      const b = await book(t, { provider_id: chair.id, date: DAY, time: '09:00' });
      expect(b).toMatchObject({ provider_id: chair.id, provider_ids: [chair.id], service_id: null, series_id: null });
      expect((await get(t, `/api/v1/bookings/${b.id}`)).json()).toMatchObject({ provider_ids: [chair.id], service_id: null });
    });

    it('starts a booking of a service that requires confirmation as pending, occupying its providers', async () => {
      const approval = await createServiceOf(t, { duration_minutes: 30, requires_confirmation: true, pools: [[chair.id]] });
      const b = await book(t, { service_id: approval.id, date: DAY, time: '09:00' });
      expect(b.status).toBe('pending');
      expect((await post(t, '/api/v1/bookings', { provider_id: chair.id, date: DAY, time: '09:00' })).statusCode).toBe(409);
    });

    it('applies a PATCH of the service to new bookings only', async () => {
      const s = await createServiceOf(t, { duration_minutes: 30, timezone: 'Europe/London', pools: [[chair.id]] });
      const old = await book(t, { service_id: s.id, date: DAY, time: '09:00' });
      expect((await patch(t, `/api/v1/services/${s.id}`, { duration_minutes: 90, timezone: 'Asia/Tokyo' })).statusCode).toBe(200);
      expect((await get(t, `/api/v1/bookings/${old.id}`)).json()).toEqual(readView(old));
      const fresh = await book(t, { service_id: s.id, date: DAY, time: '09:00' });
      expect(fresh).toMatchObject({ duration_minutes: 90, timezone: 'Asia/Tokyo', starts_at: `${DAY}T09:00:00+09:00` });
    });
  });

  describe('rescheduling a service booking', () => {
    let x: Json;
    let y: Json;
    let z: Json;
    let svc: Json;

    beforeEach(async () => {
      x = await createProvider(t, { timezone: 'Europe/Berlin' });
      y = await createProvider(t, { timezone: 'America/New_York' });
      z = await createProvider(t, { timezone: 'UTC' });
      svc = await createServiceOf(t, { duration_minutes: 60, slot_interval_minutes: 30, timezone: 'Europe/London', pools: [[x.id, y.id], [z.id]] });
    });

    it('keeps each provider that can take the new span, even one that is no longer the least busy', async () => {
      const b = await book(t, { service_id: svc.id, date: DAY, time: '09:00' });
      expect(b.provider_ids).toEqual([x.id, z.id]);
      await book(t, { provider_id: x.id, date: DAY, time: '17:00' });
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { time: '13:00' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: b.id,
        provider_ids: [x.id, z.id],
        provider_id: x.id,
        time: '13:00:00',
        timezone: 'Europe/London',
        starts_at: `${DAY}T13:00:00+01:00`,
        version: 2,
      });
      const moved = (await history(t, b.id))[1];
      expect(moved.type).toBe('booking.rescheduled');
      expect(Object.keys(moved.changes)).not.toContain('provider_ids');
      // Within its own span: 13:30 overlaps 13:00-14:00.
      expect((await patch(t, `/api/v1/bookings/${b.id}`, { time: '13:30' })).json().provider_ids).toEqual([x.id, z.id]);
    });

    it('chooses again in a pool whose provider cannot take the new span, and names provider_ids in the history', async () => {
      const b = await book(t, { service_id: svc.id, date: DAY, time: '09:00' });
      // 13:00-14:00 London is 14:00-15:00 in Berlin.
      await book(t, { provider_id: x.id, date: DAY, time: '14:00', duration_minutes: 60 });
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { time: '13:00' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ provider_ids: [y.id, z.id], provider_id: y.id, starts_at: `${DAY}T13:00:00+01:00` });
      const moved = (await history(t, b.id))[1];
      expect(moved).toMatchObject({ type: 'booking.rescheduled' });
      expect(moved.changes.provider_ids).toEqual([
        [x.id, z.id],
        [y.id, z.id],
      ]);
      // x no longer holds the old span; y holds the new one.
      expect((await get(t, `/api/v1/providers/${x.id}/availability?date=${DAY}&duration_minutes=60`)).json().days[0].slots).toContain('10:00');
      const occupying = await sql<Json>`select provider_id from occupancies where booking_id = ${b.id} and status = 'occupying' order by provider_id`.execute(t.service.database.db);
      expect(occupying.rows.map((o) => Number(o.provider_id))).toEqual([y.id, z.id].sort((m, n) => m - n));
    });

    it('is 409 with details.pool when a pool has no provider for the new span, and changes nothing', async () => {
      const b = await book(t, { service_id: svc.id, date: DAY, time: '09:00' });
      // London 15:00 is 14:00 UTC (the chair busy); London 16:00 is 17:00 in Berlin and 11:00 in New York (both busy).
      await book(t, { provider_id: z.id, date: DAY, time: '14:00' });
      await book(t, { provider_id: x.id, date: DAY, time: '17:00' });
      await book(t, { provider_id: y.id, date: DAY, time: '11:00' });
      const before = await stored(t);
      const noStylist = await patch(t, `/api/v1/bookings/${b.id}`, { time: '16:00' });
      expect(noStylist.json()).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 0 } });
      expect(noStylist.statusCode).toBe(409);
      const withEdit = await patch(t, `/api/v1/bookings/${b.id}`, { date: DAY, time: '16:00', customer_name: 'Ada' });
      expect(withEdit.json().details).toEqual({ pool: 0 });
      expect((await patch(t, `/api/v1/bookings/${b.id}`, { time: '15:00' })).json()).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 1 } });
      expect(await stored(t)).toEqual(before);
      expect((await history(t, b.id)).map((h) => h.type)).toEqual(['booking.created']);
    });

    it('obeys the service’s 422 rules on a move: grid, past, nonexistent local time', async () => {
      const b = await book(t, { service_id: svc.id, date: DAY, time: '09:00' });
      const before = await stored(t);
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { time: '09:15' }), 422, 'OUTSIDE_WORKING_HOURS');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { date: '2027-01-01' }), 422, 'IN_THE_PAST');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { date: '2027-03-28', time: '01:00' }), 422, 'NONEXISTENT_LOCAL_TIME');
      expect(await stored(t)).toEqual(before);
    });

    it('refuses duration_minutes or provider_ids in the PATCH of a service booking with 400, changing nothing', async () => {
      const b = await book(t, { service_id: svc.id, date: DAY, time: '09:00' });
      const before = await stored(t);
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { duration_minutes: 30 }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { duration_minutes: 60 }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { provider_ids: [y.id, z.id] }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { time: '10:00', provider_ids: [y.id] }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { provider_id: y.id }), 400, 'VALIDATION_ERROR');
      expect(await stored(t)).toEqual(before);
      // Customer fields alone are an ordinary edit.
      const edited = await patch(t, `/api/v1/bookings/${b.id}`, { notes: 'window seat' });
      expect(edited.json()).toMatchObject({ notes: 'window seat', provider_ids: [x.id, z.id] });
      expect((await history(t, b.id)).map((h) => h.type)).toEqual(['booking.created', 'booking.updated']);
    });

    it('moves a booking of a service changed since: it keeps the duration and zone it was made with', async () => {
      const b = await book(t, { service_id: svc.id, date: DAY, time: '09:00' });
      expect((await patch(t, `/api/v1/services/${svc.id}`, { duration_minutes: 30, timezone: 'Asia/Tokyo' })).statusCode).toBe(200);
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { time: '11:00' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ time: '11:00:00', duration_minutes: 60, end_time: '12:00:00', timezone: 'Europe/London', starts_at: `${DAY}T11:00:00+01:00` });
    });
  });

  describe('downstream of a service booking', () => {
    it('lists it under every chosen provider (once, also after a move), under its service, and by its own local date', async () => {
      const x = await createProvider(t, { timezone: 'America/Los_Angeles' });
      const y = await createProvider(t, { timezone: 'Asia/Tokyo' });
      const y2 = await createProvider(t, { timezone: 'Asia/Tokyo' });
      const s = await createServiceOf(t, { duration_minutes: 60, timezone: 'Europe/London', pools: [[x.id], [y.id, y2.id]] });
      const other = await createServiceOf(t, { duration_minutes: 60, pools: [[x.id]] });
      const b = await book(t, { service_id: s.id, date: DAY, time: '23:00' });
      const c = await book(t, { service_id: other.id, date: DAY, time: '09:00' });
      expect(b.provider_ids).toEqual([x.id, y.id]);
      const ids = async (query: string) => (await get(t, `/api/v1/bookings?${query}`)).json().data.map((v: Json) => v.id);
      expect(await ids(`provider_id=${x.id}`)).toEqual([c.id, b.id]);
      expect(await ids(`provider_id=${y.id}`)).toEqual([b.id]);
      expect(await ids(`service_id=${s.id}`)).toEqual([b.id]);
      expect(await ids(`service_id=${other.id}`)).toEqual([c.id]);
      expect(await ids(`provider_id=${y.id}&service_id=${other.id}`)).toEqual([]);
      // 23:00 London on 2027-06-07 is 2027-06-08 in Tokyo: the filter reads the booking's own (service) date.
      expect(await ids(`provider_id=${y.id}&from=${DAY}&to=${DAY}`)).toEqual([b.id]);
      expect(await ids(`provider_id=${y.id}&from=2027-06-08`)).toEqual([]);

      // Moved to a span where y is busy: y2 takes it. Each provider lists it as it is now, once.
      await book(t, { provider_id: y.id, date: '2027-06-09', time: '05:00' });
      const moved = await patch(t, `/api/v1/bookings/${b.id}`, { date: '2027-06-08', time: '21:00' });
      expect(moved.json().provider_ids).toEqual([x.id, y2.id]);
      expect(await ids(`provider_id=${x.id}`)).toEqual([c.id, b.id]);
      expect(await ids(`provider_id=${y2.id}`)).toEqual([b.id]);
      expect(await ids(`provider_id=${y.id}`)).not.toContain(b.id);
      const listed = (await get(t, `/api/v1/bookings?provider_id=${x.id}`)).json().data as Json[];
      expect(listed.find((v) => v.id === b.id)).toEqual((await get(t, `/api/v1/bookings/${b.id}`)).json());
      expect(await ids(`provider_id=${x.id}&status=all`)).toEqual([c.id, b.id]);
      // Cancelled, it is listed once under status=cancelled for each of its providers.
      expect((await del(t, `/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
      expect(await ids(`provider_id=${x.id}&status=cancelled`)).toEqual([b.id]);
      expect(await ids(`provider_id=${y2.id}&status=cancelled`)).toEqual([b.id]);
      expect(await ids(`provider_id=${y.id}&status=all`)).toEqual(expect.not.arrayContaining([b.id]));
    });

    it('lists a moved booking of one provider once, at its new start, too', async () => {
      const p = await createProvider(t);
      const early = await book(t, { provider_id: p.id, date: DAY, time: '08:00' });
      const moved = await book(t, { provider_id: p.id, date: DAY, time: '07:00' });
      await patch(t, `/api/v1/bookings/${moved.id}`, { time: '09:00' });
      const listed = (await get(t, `/api/v1/bookings?provider_id=${p.id}&status=all`)).json().data as Json[];
      expect(listed.map((v) => [v.id, v.time])).toEqual([
        [early.id, '08:00:00'],
        [moved.id, '09:00:00'],
      ]);
    });

    it('takes the time of each chosen provider in its availability, whose ETag changes', async () => {
      const x = await createProvider(t, { timezone: 'Europe/Berlin' });
      const y = await createProvider(t, { timezone: 'America/New_York' });
      const s = await createServiceOf(t, { duration_minutes: 60, timezone: 'UTC', pools: [[x.id], [y.id]] });
      const etags: Record<number, string> = {};
      for (const p of [x, y]) etags[p.id] = (await get(t, `/api/v1/providers/${p.id}/availability?date=${DAY}&duration_minutes=60`)).headers.etag as string;
      await book(t, { service_id: s.id, date: DAY, time: '12:00' });
      // 12:00 UTC is 14:00 in Berlin and 08:00 in New York.
      const xDay = await get(t, `/api/v1/providers/${x.id}/availability?date=${DAY}&duration_minutes=60`, { 'if-none-match': etags[x.id] });
      const yDay = await get(t, `/api/v1/providers/${y.id}/availability?date=${DAY}&duration_minutes=60`, { 'if-none-match': etags[y.id] });
      expect([xDay.statusCode, yDay.statusCode]).toEqual([200, 200]);
      expect(xDay.headers.etag).not.toBe(etags[x.id]);
      expect(xDay.json().days[0].slots).not.toContain('14:00');
      expect(xDay.json().days[0].slots).toContain('15:00');
      expect(yDay.json().days[0].slots).not.toContain('08:00');
      expect(yDay.json().days[0].slots).toContain('09:00');
      // And a seed-form booking of x at that time is refused, naming the service booking.
      expect((await post(t, '/api/v1/bookings', { provider_id: x.id, date: DAY, time: '14:30' })).statusCode).toBe(409);
    });

    it('appears in the calendar feed of each chosen provider, once, also after a move', async () => {
      const x = await createProvider(t, { timezone: 'Europe/Berlin' });
      const y = await createProvider(t, { timezone: 'America/New_York' });
      const s = await createServiceOf(t, { duration_minutes: 60, timezone: 'UTC', pools: [[x.id], [y.id]] });
      const b = await book(t, { service_id: s.id, date: '2027-01-12', time: '12:00' });
      await patch(t, `/api/v1/bookings/${b.id}`, { time: '14:00' });
      for (const p of [x, y]) {
        const feed = await t.app.inject({ method: 'GET', url: `/api/v1/providers/${p.id}/calendar.ics?token=${p.calendar_token}` });
        expect(feed.statusCode).toBe(200);
        const uids = [...feed.body.matchAll(/\r\nUID:([^\r]+)/g)].map((m) => m[1]);
        expect(uids).toEqual([`booking-${b.id}@booking-service`]);
        expect(feed.body).toContain('DTSTART');
        expect(feed.body).toMatch(/SEQUENCE:2/);
      }
    });

    it('carries provider_ids and service_id in the event feed', async () => {
      const x = await createProvider(t);
      const y = await createProvider(t);
      const s = await createServiceOf(t, { duration_minutes: 30, pools: [[x.id], [y.id]] });
      const after = (await get(t, '/api/v1/events?after=0&limit=500')).json();
      let cursor = after.next_after;
      for (;;) {
        const page = (await get(t, `/api/v1/events?after=${cursor}&limit=500`)).json();
        if (page.data.length === 0) break;
        cursor = page.next_after;
      }
      const b = await book(t, { service_id: s.id, date: DAY, time: '09:00' });
      await patch(t, `/api/v1/bookings/${b.id}`, { time: '10:00' });
      const events = (await get(t, `/api/v1/events?after=${cursor}`)).json().data as Json[];
      expect(events.map((e) => [e.type, e.booking.id, e.booking.service_id, e.booking.provider_ids, e.booking.provider_id])).toEqual([
        ['booking.created', b.id, s.id, [x.id, y.id], x.id],
        ['booking.rescheduled', b.id, s.id, [x.id, y.id], x.id],
      ]);
    });
  });

  describe('GET /services/{id}/availability', () => {
    it('lists the service’s grid times a booking would be accepted at, from local midnight in its zone', async () => {
      const x = await createProvider(t, { timezone: 'Europe/Berlin' });
      const y = await createProvider(t, { timezone: 'UTC' });
      await putSchedule(t, x.id, WORKDAY('09:00', '12:00'));
      const s = await createServiceOf(t, { duration_minutes: 45, slot_interval_minutes: 20, timezone: 'Europe/London', pools: [[x.id], [y.id]] });
      const res = await get(t, `/api/v1/services/${s.id}/availability?date=${DAY}&to=2027-06-08`);
      expect(res.statusCode).toBe(200);
      // Berlin 09:00-12:00 is 08:00-11:00 London; 45 minutes every 20 from midnight.
      const slots = ['08:00', '08:20', '08:40', '09:00', '09:20', '09:40', '10:00'];
      expect(res.json()).toEqual({
        service_id: s.id,
        timezone: 'Europe/London',
        duration_minutes: 45,
        days: [
          { date: DAY, slots },
          { date: '2027-06-08', slots },
        ],
      });
      await book(t, { provider_id: y.id, date: DAY, time: '08:30', duration_minutes: 15 });
      // 08:30 UTC is 09:30 London: the spans from 09:00, 09:20 and 09:40 meet it.
      expect((await get(t, `/api/v1/services/${s.id}/availability?date=${DAY}`)).json().days[0].slots).toEqual(['08:00', '08:20', '08:40', '10:00']);
    });

    it('carries an ETag that changes with bookings, schedules and the service; If-None-Match gives 304', async () => {
      const x = await createProvider(t);
      const y = await createProvider(t);
      const s = await createServiceOf(t, { duration_minutes: 60, pools: [[x.id], [y.id]] });
      const url = `/api/v1/services/${s.id}/availability?date=${DAY}`;
      const first = await get(t, url);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);
      expect((await get(t, url)).headers.etag).toBe(etag);
      const notModified = await get(t, url, { 'if-none-match': etag });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.body).toBe('');

      // Each change answers 200 to the ETag seen last (a state seen before may give back its earlier ETag).
      let last = etag;
      const changed = async () => {
        const res = await get(t, url, { 'if-none-match': last });
        expect(res.statusCode).toBe(200);
        expect(res.headers.etag).not.toBe(last);
        last = res.headers.etag as string;
        return res.json().days[0].slots as string[];
      };
      // A booking of the second pool's provider made without the service.
      await book(t, { provider_id: y.id, date: DAY, time: '09:00' });
      expect(await changed()).not.toContain('09:00');
      const b = await book(t, { service_id: s.id, date: DAY, time: '10:00' });
      expect(await changed()).not.toContain('10:00');
      await del(t, `/api/v1/bookings/${b.id}`);
      expect(await changed()).toContain('10:00');
      await putSchedule(t, x.id, WORKDAY('12:00', '14:00'));
      expect(await changed()).toEqual(['12:00', '13:00']);
      await patch(t, `/api/v1/services/${s.id}`, { slot_interval_minutes: 30 });
      expect(await changed()).toEqual(['12:00', '12:30', '13:00']);
    });

    it('skips grid times that do not exist that day, and lists none on past dates', async () => {
      const x = await createProvider(t, { timezone: 'UTC' });
      const s = await createServiceOf(t, { duration_minutes: 30, timezone: 'Europe/Berlin', pools: [[x.id]] });
      const day = (await get(t, `/api/v1/services/${s.id}/availability?date=2027-03-28`)).json().days[0].slots as string[];
      expect(day).toContain('01:30');
      expect(day).not.toContain('02:00');
      expect(day).not.toContain('02:30');
      expect(day).toContain('03:00');
      expect(day).toHaveLength(46);
      const fallBack = (await get(t, `/api/v1/services/${s.id}/availability?date=2027-10-31`)).json().days[0].slots as string[];
      expect(fallBack).toHaveLength(48);
      t.clock.set('2027-06-07T10:10:00Z');
      const today = (await get(t, `/api/v1/services/${s.id}/availability?date=2027-06-06&to=${DAY}`)).json().days;
      expect(today[0]).toEqual({ date: '2027-06-06', slots: [] });
      // 10:10 UTC is 12:10 in Berlin.
      expect(today[1].slots[0]).toBe('12:30');
    });

    it('checks its query like a provider’s', async () => {
      const x = await createProvider(t);
      const s = await createServiceOf(t, { pools: [[x.id]] });
      for (const query of ['', 'date=2027-6-7', `date=${DAY}&to=2027-06-06`, `date=${DAY}&to=2027-08-08`, `date=${DAY}&duration_minutes=30`]) {
        expectErrorShape(await get(t, `/api/v1/services/${s.id}/availability?${query}`), 400, 'VALIDATION_ERROR');
      }
      expect((await get(t, `/api/v1/services/${s.id}/availability?date=${DAY}&to=2027-08-07`)).json().days).toHaveLength(62);
    });
  });

  describe('a service of one pool of one provider', () => {
    it('answers exactly as a booking of that provider does, refusals included', async () => {
      // Twin providers with the same zone, schedule and bookings: one booked directly, one through a service.
      const schedule = {
        weekly: { mon: [['09:00', '12:00'], ['13:00', '17:00']], tue: [['09:00', '17:00']] },
        exceptions: { '2027-06-08': [['10:00', '12:00']] },
        buffer_before_minutes: 15,
        buffer_after_minutes: 15,
        min_notice_minutes: 60,
        max_days_ahead: 30,
      };
      t.clock.set('2027-06-07T07:30:00Z');
      const twins: Json[] = [];
      for (let i = 0; i < 2; i++) {
        const p = await createProvider(t, { timezone: 'Europe/Paris', default_duration_minutes: 30 });
        await putSchedule(t, p.id, schedule);
        await book(t, { provider_id: p.id, date: DAY, time: '11:00' });
        twins.push(p);
      }
      const s = await createServiceOf(t, { duration_minutes: 30, timezone: 'Europe/Paris', pools: [[twins[1].id]] });
      const serviceCode = (code: string) => (['NONEXISTENT_LOCAL_TIME', 'IN_THE_PAST', 'VALIDATION_ERROR'].includes(code) ? code : 'SLOT_UNAVAILABLE');
      const dates = [DAY, '2027-06-08', '2027-07-12', '2027-03-28'];
      let accepted = 0;
      for (const date of dates) {
        for (let minute = 0; minute + 30 <= 1440; minute += 30) {
          const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
          const direct = await post(t, '/api/v1/bookings', { provider_id: twins[0].id, date, time });
          const through = await post(t, '/api/v1/bookings', { service_id: s.id, date, time });
          const label = `${date} ${time}`;
          if (direct.statusCode === 201) {
            accepted += 1;
            expect({ label, status: through.statusCode }).toEqual({ label, status: 201 });
            const { id: _a, provider_id: _p, provider_ids: _ps, service_id: _s, manage_token: _m, ...same } = direct.json();
            const { id: _b, provider_id: p2, provider_ids: ps2, service_id: s2, manage_token: _m2, ...other } = through.json();
            expect(other).toEqual(same);
            expect([p2, ps2, s2]).toEqual([twins[1].id, [twins[1].id], s.id]);
          } else {
            const code = direct.json().code;
            expect({ label, status: through.statusCode, code: through.json().code }).toEqual({
              label,
              status: serviceCode(code) === 'SLOT_UNAVAILABLE' ? 409 : direct.statusCode,
              code: serviceCode(code),
            });
            if (through.statusCode === 409) expect(through.json().details).toEqual({ pool: 0 });
          }
        }
      }
      expect(accepted).toBeGreaterThan(5);
      const a = (await get(t, `/api/v1/providers/${twins[0].id}/availability?date=${DAY}&to=2027-06-09`)).json().days;
      const b = (await get(t, `/api/v1/services/${s.id}/availability?date=${DAY}&to=2027-06-09`)).json().days;
      expect(b).toEqual(a.map((d: Json) => ({ date: d.date, slots: d.slots })));
    });
  });

  describe('webhooks', () => {
    let w: TestApp;
    let receiver: Receiver;
    beforeAll(async () => {
      w = await createOutboxApp({ dialect, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
      receiver = await new Receiver().start();
    });
    afterAll(async () => {
      await receiver.stop();
      await w.close();
    });

    it('posts each event of a service booking with its provider_ids and service_id', async () => {
      const hook = await makeWebhook(w, receiver.url);
      const x = await createProvider(w);
      const y = await createProvider(w);
      const s = await createServiceOf(w, { duration_minutes: 30, pools: [[x.id], [y.id]] });
      const b = await book(w, { service_id: s.id, date: DAY, time: '09:00' });
      expect((await del(w, `/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
      await w.service.dispatcher.runOnce();
      const got = [...receiver.received].sort((m, n) => Number(m.eventId) - Number(n.eventId));
      expect(got.map((r) => [r.json.type, r.json.booking.id, r.json.booking.service_id, r.json.booking.provider_ids])).toEqual([
        ['booking.created', b.id, s.id, [x.id, y.id]],
        ['booking.cancelled', b.id, s.id, [x.id, y.id]],
      ]);
      for (const r of got) expect(verifySignature(hook.secret, r.signature, r.body).valid).toBe(true);
    });
  });
});
