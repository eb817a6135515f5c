import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, del, expectErrorShape, get, Json, patch, post } from './helpers';

/** A client key of its own, and the headers to call as it. */
async function aClientOf(t: TestApp): Promise<Record<string, string>> {
  const res = await post(t, '/api/v1/api-keys', { name: `client ${Math.random()}`, role: 'client' });
  expect(res.statusCode).toBe(201);
  return t.headers(res.json().key);
}

const series = (t: TestApp, body: Json, headers: Record<string, string> = {}) => post(t, '/api/v1/booking-series', body, headers);

describe.each(DIALECTS)('booking series over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.set('2027-01-04T08:00:00Z'));

  describe('every occurrence or none', () => {
    it('books a weekly series in one go: each occurrence an ordinary booking with series_id and its own manage token', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      const res = await series(t, { provider_id: p.id, date: '2027-02-01', time: '17:00', duration_minutes: 50, repeat: { frequency: 'weekly', count: 4 }, customer_email: 'ada@example.com' });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.skipped).toEqual([]);
      expect(body.bookings.map((b: Json) => b.date)).toEqual(['2027-02-01', '2027-02-08', '2027-02-15', '2027-02-22']);
      for (const b of body.bookings) {
        expect(b).toMatchObject({ series_id: body.id, provider_id: p.id, time: '17:00:00', duration_minutes: 50, status: 'active', customer_email: 'ada@example.com' });
        expect(b.manage_token).toMatch(/^mt_/);
      }
      expect(new Set(body.bookings.map((b: Json) => b.manage_token)).size).toBe(4);
      const read = (await get(t, `/api/v1/booking-series/${body.id}`)).json();
      expect(read).toEqual({ id: body.id, repeat: { frequency: 'weekly', interval: 1, count: 4 }, bookings: body.bookings.map(({ manage_token: _m, ...b }: Json) => b) });
    });

    it('refuses the whole series when one occurrence is taken: 409 naming every refused date, and creates nothing', async () => {
      const p = await createProvider(t);
      await book(t, { provider_id: p.id, date: '2027-03-10', time: '09:00' });
      await book(t, { provider_id: p.id, date: '2027-03-12', time: '09:15' });
      const before = (await get(t, `/api/v1/bookings?provider_id=${p.id}&status=all`)).json().data.length;
      const res = await series(t, { provider_id: p.id, date: '2027-03-09', time: '09:00', repeat: { frequency: 'daily', until: '2027-03-13' } });
      const body = expectErrorShape(res, 409, 'SLOT_UNAVAILABLE');
      expect(body).toEqual({
        error: 'This time slot is already booked',
        code: 'SLOT_UNAVAILABLE',
        details: { conflicts: [{ date: '2027-03-10', code: 'SLOT_UNAVAILABLE' }, { date: '2027-03-12', code: 'SLOT_UNAVAILABLE' }] },
      });
      expect((await get(t, `/api/v1/bookings?provider_id=${p.id}&status=all`)).json().data).toHaveLength(before);
    });

    it('with skip_conflicts books the rest and lists the refused ones', async () => {
      const p = await createProvider(t);
      await book(t, { provider_id: p.id, date: '2027-03-17', time: '10:00' });
      const res = await series(t, { provider_id: p.id, date: '2027-03-16', time: '10:00', repeat: { frequency: 'daily', count: 3 }, skip_conflicts: true });
      expect(res.statusCode).toBe(201);
      expect(res.json().bookings.map((b: Json) => b.date)).toEqual(['2027-03-16', '2027-03-18']);
      expect(res.json().skipped).toEqual([{ date: '2027-03-17', code: 'SLOT_UNAVAILABLE' }]);
    });

    it('when every refusal is a calendar rule it answers 422 with the first occurrence’s code; if none can be booked, the same with skip_conflicts', async () => {
      const p = await createProvider(t);
      await patch(t, `/api/v1/providers/${p.id}`, {});
      expect((await t.app.inject({ method: 'PUT', url: `/api/v1/providers/${p.id}/schedule`, headers: t.headers(), payload: { weekly: { mon: [['09:00', '12:00']] } } })).statusCode).toBe(200);
      const everyDay = { provider_id: p.id, date: '2027-03-22', time: '09:00', repeat: { frequency: 'daily', count: 3 } };
      const body = expectErrorShape(await series(t, everyDay), 422, 'OUTSIDE_WORKING_HOURS');
      expect(body.details).toEqual({ conflicts: [{ date: '2027-03-23', code: 'OUTSIDE_WORKING_HOURS' }, { date: '2027-03-24', code: 'OUTSIDE_WORKING_HOURS' }] });
      const none = { provider_id: p.id, date: '2027-03-23', time: '09:00', repeat: { frequency: 'weekly', count: 2 }, skip_conflicts: true };
      expect(expectErrorShape(await series(t, none), 422, 'OUTSIDE_WORKING_HOURS').details.conflicts).toHaveLength(2);
    });

    it('refuses a malformed repeat with 400: both or neither of count and until, too few or too many occurrences, an unknown frequency', async () => {
      const p = await createProvider(t);
      const base = { provider_id: p.id, date: '2027-04-05', time: '09:00' };
      for (const repeat of [
        { frequency: 'weekly' },
        { frequency: 'weekly', count: 2, until: '2027-05-01' },
        { frequency: 'weekly', count: 1 },
        { frequency: 'daily', count: 105 },
        { frequency: 'daily', until: '2027-04-05' },
        { frequency: 'daily', until: '2027-12-31' },
        { frequency: 'monthly', count: 3 },
        { frequency: 'weekly', count: 3, interval: 0 },
      ]) {
        expectErrorShape(await series(t, { ...base, repeat }), 400, 'VALIDATION_ERROR');
      }
      expectErrorShape(await series(t, { ...base }), 400, 'VALIDATION_ERROR');
    });
  });

  describe('wall-clock time kept across daylight-saving changes', () => {
    const golden: [string, string, string, string[]][] = [
      // Europe/Berlin: CET to CEST on 2027-03-28, back on 2027-10-31.
      ['Europe/Berlin', '2027-03-21', '09:30', ['2027-03-21T09:30:00+01:00', '2027-03-28T09:30:00+02:00', '2027-04-04T09:30:00+02:00']],
      ['Europe/Berlin', '2027-10-24', '09:30', ['2027-10-24T09:30:00+02:00', '2027-10-31T09:30:00+01:00', '2027-11-07T09:30:00+01:00']],
      // America/New_York: EST to EDT on 2027-03-14.
      ['America/New_York', '2027-03-07', '18:00', ['2027-03-07T18:00:00-05:00', '2027-03-14T18:00:00-04:00', '2027-03-21T18:00:00-04:00']],
      // Australia/Sydney: AEDT to AEST on 2027-04-04, back on 2027-10-03.
      ['Australia/Sydney', '2027-03-28', '08:00', ['2027-03-28T08:00:00+11:00', '2027-04-04T08:00:00+10:00', '2027-04-11T08:00:00+10:00']],
      ['Australia/Sydney', '2027-09-26', '08:00', ['2027-09-26T08:00:00+10:00', '2027-10-03T08:00:00+11:00', '2027-10-10T08:00:00+11:00']],
    ];

    it.each(golden)('%s weekly from %s at %s', async (zone, date, time, startsAt) => {
      const p = await createProvider(t, { timezone: zone });
      const res = await series(t, { provider_id: p.id, date, time, repeat: { frequency: 'weekly', count: 3 } });
      expect(res.statusCode).toBe(201);
      expect(res.json().bookings.map((b: Json) => [b.time, b.starts_at])).toEqual(startsAt.map((s) => [`${time}:00`, s]));
    });

    it('a wall time skipped by a spring-forward is refused for that date only: 422 NONEXISTENT_LOCAL_TIME, or skipped', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      const daily = { provider_id: p.id, date: '2027-03-27', time: '02:30', repeat: { frequency: 'daily', count: 3 } };
      expect(expectErrorShape(await series(t, daily), 422, 'NONEXISTENT_LOCAL_TIME').details).toEqual({
        conflicts: [{ date: '2027-03-28', code: 'NONEXISTENT_LOCAL_TIME' }],
      });
      const res = await series(t, { ...daily, skip_conflicts: true });
      expect(res.statusCode).toBe(201);
      expect(res.json().bookings.map((b: Json) => b.starts_at)).toEqual(['2027-03-27T02:30:00+01:00', '2027-03-29T02:30:00+02:00']);
      expect(res.json().skipped).toEqual([{ date: '2027-03-28', code: 'NONEXISTENT_LOCAL_TIME' }]);
    });
  });

  describe('after booking', () => {
    it('cancelling the series cancels only the occurrences that have not started', async () => {
      const p = await createProvider(t);
      const res = await series(t, { provider_id: p.id, date: '2027-05-03', time: '10:00', repeat: { frequency: 'daily', count: 4 } });
      const ids = res.json().bookings.map((b: Json) => b.id);
      t.clock.set('2027-05-04T10:10:00Z');
      expect((await del(t, `/api/v1/booking-series/${res.json().id}`)).statusCode).toBe(204);
      const statuses = (await get(t, `/api/v1/booking-series/${res.json().id}`)).json().bookings.map((b: Json) => [b.id, b.status]);
      expect(statuses).toEqual([
        [ids[0], 'active'],
        [ids[1], 'active'],
        [ids[2], 'cancelled'],
        [ids[3], 'cancelled'],
      ]);
    });

    it('occurrences can be moved and cancelled one by one and keep their series_id', async () => {
      const p = await createProvider(t);
      const res = await series(t, { provider_id: p.id, date: '2027-05-10', time: '10:00', repeat: { frequency: 'weekly', count: 2 } });
      const [first, second] = res.json().bookings;
      expect((await patch(t, `/api/v1/bookings/${first.id}`, { time: '11:00' })).json()).toMatchObject({ time: '11:00:00', series_id: res.json().id });
      expect((await del(t, `/api/v1/bookings/${second.id}`)).statusCode).toBe(204);
      expect((await get(t, `/api/v1/bookings/${second.id}`)).json()).toMatchObject({ status: 'cancelled', series_id: res.json().id });
    });

    it('a client sees only its own series; others and unknown ids are 404 SERIES_NOT_FOUND', async () => {
      const p = await createProvider(t);
      const mine = await aClientOf(t);
      const theirs = await aClientOf(t);
      const res = await series(t, { provider_id: p.id, date: '2027-05-17', time: '10:00', repeat: { frequency: 'daily', count: 2 } }, mine);
      expect(res.statusCode).toBe(201);
      expect((await get(t, `/api/v1/booking-series/${res.json().id}`, { authorization: mine.authorization })).statusCode).toBe(200);
      expectErrorShape(await get(t, `/api/v1/booking-series/${res.json().id}`, { authorization: theirs.authorization }), 404, 'SERIES_NOT_FOUND');
      expectErrorShape(await t.app.inject({ method: 'DELETE', url: `/api/v1/booking-series/${res.json().id}`, headers: { authorization: theirs.authorization } }), 404, 'SERIES_NOT_FOUND');
      expectErrorShape(await get(t, '/api/v1/booking-series/987654321'), 404, 'SERIES_NOT_FOUND');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, per caller and per route', async () => {
      const p = await createProvider(t);
      const body = { provider_id: p.id, date: '2027-06-07', time: '10:00', repeat: { frequency: 'weekly', count: 2 } };
      const first = await series(t, body, { 'idempotency-key': 'weekly-7' });
      const again = await series(t, body, { 'idempotency-key': 'weekly-7' });
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expectErrorShape(await series(t, { ...body, time: '11:00' }, { 'idempotency-key': 'weekly-7' }), 422, 'IDEMPOTENCY_KEY_REUSED');
      // The same key on another route is another request.
      const single = await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-06-21', time: '10:00' }, { 'idempotency-key': 'weekly-7' });
      expect(single.statusCode).toBe(201);
      expect((await get(t, `/api/v1/bookings?provider_id=${p.id}&from=2027-06-01&to=2027-06-30`)).json().data).toHaveLength(3);
    });
  });
});
