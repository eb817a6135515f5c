import { sql } from 'kysely';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, bookingRows, countRows, createProvider, expectErrorShape, get, Json, post } from './helpers';

describe.each(DIALECTS)('request validation on %s', (dialect) => {
  let t: TestApp;
  let providerId: number;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
    providerId = (await createProvider(t)).id;
    await book(t, { provider_id: providerId, date: '2027-12-24', time: '09:00' });
  });
  afterAll(() => t.close());

  /** Sends a refused request and proves it left every table as it was. */
  async function refused(send: () => Promise<Awaited<ReturnType<typeof post>>>, status: number, code: string): Promise<Json> {
    const counts = await countRows(t);
    const rows = await bookingRows(t);
    const res = await send();
    const body = expectErrorShape(res, status, code);
    expect(await countRows(t)).toEqual(counts);
    expect(await bookingRows(t)).toEqual(rows);
    return body;
  }

  const valid = () => ({ provider_id: providerId, date: '2027-12-25', time: '14:30' });

  describe('JSON bodies', () => {
    it.each([
      ['provider_id as a string', { provider_id: '1' }],
      ['provider_id as a float', { provider_id: 1.5 }],
      ['provider_id as zero', { provider_id: 0 }],
      ['provider_id as a boolean', { provider_id: true }],
      ['date as a number', { date: 20271225 }],
      ['time as a number', { time: 1430 }],
      ['duration as a string', { duration_minutes: '30' }],
      ['duration below 5', { duration_minutes: 4 }],
      ['duration above 480', { duration_minutes: 481 }],
      ['notes over 1000 characters', { notes: 'x'.repeat(1001) }],
      ['customer_name as an object', { customer_name: { first: 'Grace' } }],
    ])('refuses %s without coercion (400)', async (_label, change) => {
      await refused(() => post(t, '/api/v1/bookings', { ...valid(), ...change }), 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['2027-02-30', 'a date that does not exist'],
      ['2027-13-01', 'month 13'],
      ['2027-2-3', 'a date without padding'],
      ['25.12.2027', 'another date format'],
    ])('refuses date %s (%s)', async (date) => {
      await refused(() => post(t, '/api/v1/bookings', { ...valid(), date }), 400, 'VALIDATION_ERROR');
    });

    it.each(['25:00', '24:00', '14:60', '14:30:15', '14:30:00.000', '2:30', '14h30'])('refuses time %s', async (time) => {
      await refused(() => post(t, '/api/v1/bookings', { ...valid(), time }), 400, 'VALIDATION_ERROR');
    });

    it('accepts a time with :00 seconds and answers HH:MM:SS', async () => {
      const res = await post(t, '/api/v1/bookings', { ...valid(), date: '2027-12-26', time: '08:15:00' });
      expect(res.statusCode).toBe(201);
      expect(res.json().time).toBe('08:15:00');
    });

    it('refuses an unknown field and names it', async () => {
      const body = await refused(() => post(t, '/api/v1/bookings', { ...valid(), room: 'A' }), 400, 'VALIDATION_ERROR');
      expect(body.error).toContain('room');
    });

    it.each([
      ['an array', [valid()]],
      ['a string', 'provider_id=1'],
      ['a number', 42],
      ['null', null],
    ])('refuses a body that is %s (400)', async (_label, payload) => {
      await refused(
        () => t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: JSON.stringify(payload) }),
        400,
        'VALIDATION_ERROR',
      );
    });

    it('refuses malformed JSON (400) without echoing parser internals', async () => {
      const body = await refused(
        () => t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: '{"provider_id": 1, "date": ' }),
        400,
        'VALIDATION_ERROR',
      );
      expect(body.error).toBe('Malformed JSON body');
    });

    it('refuses an empty body with a JSON content type (400)', async () => {
      await refused(() => t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: '' }), 400, 'VALIDATION_ERROR');
    });

    it('refuses a 2 MB body with 413 PAYLOAD_TOO_LARGE', async () => {
      const payload = JSON.stringify({ ...valid(), notes: 'x'.repeat(2 * 1024 * 1024) });
      await refused(() => t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('accepts a body just under the limit as far as size goes (then judges its fields)', async () => {
      const payload = JSON.stringify({ ...valid(), notes: 'x'.repeat(100_000) });
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload });
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('refuses a %s body with 415', async (type) => {
      await refused(
        () =>
          t.app.inject({
            method: 'POST',
            url: '/api/v1/bookings',
            headers: { ...t.headers(), 'content-type': type },
            payload: type === 'text/plain' ? JSON.stringify(valid()) : `provider_id=${providerId}&date=2027-12-25&time=14:30`,
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('accepts application/json with a charset', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: { ...t.headers(), 'content-type': 'application/json; charset=utf-8' },
        payload: JSON.stringify({ ...valid(), date: '2027-12-27' }),
      });
      expect(res.statusCode).toBe(201);
    });

    it('refuses an SQL fragment as provider_id and leaves every table intact', async () => {
      await refused(() => post(t, '/api/v1/bookings', { ...valid(), provider_id: '1; DROP TABLE bookings' }), 400, 'VALIDATION_ERROR');
      await refused(() => post(t, '/api/v1/bookings', { ...valid(), date: "2027-12-25'; DROP TABLE bookings; --" }), 400, 'VALIDATION_ERROR');
      const tables = await sql<{ n: number | string }>`select count(*) as n from bookings`.execute(t.service.database.db);
      expect(Number(tables.rows[0].n)).toBeGreaterThan(0);
      const res = await get(t, '/api/v1/bookings?limit=200');
      expect(res.statusCode).toBe(200);
      expect(res.json().data.length).toBe(Number(tables.rows[0].n));
    });

    it('stores text containing SQL and quotes verbatim', async () => {
      const notes = "Robert'); DROP TABLE bookings; -- \u00e9\u{1F600}";
      const created = await book(t, { ...valid(), date: '2027-12-28', customer_name: "O'Brien", notes });
      const res = await get(t, `/api/v1/bookings/${created.id}`);
      expect(res.json()).toMatchObject({ customer_name: "O'Brien", notes });
    });
  });

  describe('query strings and path ids', () => {
    it('coerces query strings (limit=5)', async () => {
      for (let i = 0; i < 6; i++) await book(t, { provider_id: providerId, date: '2027-11-01', time: `1${i}:00` });
      const res = await get(t, `/api/v1/bookings?limit=5&provider_id=${providerId}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toHaveLength(5);
      expect(typeof res.json().next_cursor).toBe('string');
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=2.5', 'limit'],
      ['from=2027-12-31&to=2027-12-01', 'from'],
      ['from=2027-02-30', 'from'],
      ['status=held', 'status'],
      ['provider_id=abc', 'provider_id'],
      ['cursor=%21%21%21', 'cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['colour=blue', 'colour'],
    ])('refuses the bookings query %s (400)', async (query, field) => {
      const body = await refused(() => get(t, `/api/v1/bookings?${query}`), 400, 'VALIDATION_ERROR');
      expect(body.error).toContain(field);
    });

    it('refuses a tampered cursor and one from another query (400)', async () => {
      const page = (await get(t, `/api/v1/bookings?limit=1&provider_id=${providerId}`)).json();
      const cursor: string = page.next_cursor;
      expect(typeof cursor).toBe('string');
      expect((await get(t, `/api/v1/bookings?limit=1&provider_id=${providerId}&cursor=${cursor}`)).statusCode).toBe(200);

      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      const tampered = Buffer.from(decoded.replace(/\d/, (d) => String((Number(d) + 1) % 10))).toString('base64url');
      expectErrorShape(await get(t, `/api/v1/bookings?limit=1&provider_id=${providerId}&cursor=${tampered}`), 400, 'VALIDATION_ERROR');

      const flipped = (cursor.startsWith('A') ? 'B' : 'A') + cursor.slice(1);
      expectErrorShape(await get(t, `/api/v1/bookings?limit=1&provider_id=${providerId}&cursor=${flipped}`), 400, 'VALIDATION_ERROR');

      expectErrorShape(await get(t, `/api/v1/bookings?limit=1&status=all&cursor=${cursor}`), 400, 'VALIDATION_ERROR');
      expectErrorShape(await get(t, `/api/v1/providers?cursor=${cursor}`), 400, 'VALIDATION_ERROR');
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999999999999'])('refuses the booking id %s in a path (400)', async (id) => {
      await refused(() => get(t, `/api/v1/bookings/${id}`), 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['limit=0'],
      ['limit=501'],
      ['after=-1'],
      ['after=x'],
    ])('refuses the events query %s (400)', async (query) => {
      await refused(() => get(t, `/api/v1/events?${query}`), 400, 'VALIDATION_ERROR');
    });

    // One rule everywhere, not only on list routes: a query parameter the route does not take is 400, changing nothing.
    it.each([
      ['POST', '/api/v1/bookings?dry_run=1', () => valid()],
      ['GET', '/api/v1/providers/{provider}?expand=bookings', undefined],
      ['PATCH', '/api/v1/providers/{provider}?notify=1', () => ({ name: 'Renamed' })],
      ['GET', '/api/v1/bookings/{booking}/history?limit=5', undefined],
      ['DELETE', '/api/v1/bookings/{booking}?reason=x', undefined],
      ['PUT', '/api/v1/providers/{provider}/schedule?force=true', () => ({ weekly: {} })],
      ['GET', '/api/v1/api-keys?all=1', undefined],
      ['GET', '/health?verbose=1', undefined],
    ] as const)('refuses an unknown query parameter on %s %s (400 naming it)', async (method, template, body) => {
      const booking = (await get(t, `/api/v1/bookings?provider_id=${providerId}&from=2027-12-24&to=2027-12-24`)).json().data[0].id;
      const url = template.replace('{provider}', String(providerId)).replace('{booking}', String(booking));
      const parameter = url.split('?')[1].split('=')[0];
      const payload = body === undefined ? undefined : JSON.stringify(body());
      const res = await refused(() => t.app.inject({ method, url, headers: t.headers(), payload }), 400, 'VALIDATION_ERROR');
      expect(res).toEqual({
        error: `Unknown field: ${parameter}`,
        code: 'VALIDATION_ERROR',
        details: { errors: [{ field: parameter, message: `Unknown field: ${parameter}` }] },
      });
    });
  });

  describe('routing', () => {
    it.each([
      ['GET', '/api/v1/nothing-here'],
      ['GET', '/api/v2/bookings'],
      ['PUT', '/api/v1/bookings'],
      ['POST', '/api/v1/bookings/1'],
      ['GET', '/'],
    ])('answers %s %s with 404 Route not found', async (method, url) => {
      const res = await t.app.inject({ method: method as 'GET', url, headers: t.headers(), payload: method === 'GET' ? undefined : '{}' });
      expect(expectErrorShape(res, 404, 'NOT_FOUND')).toEqual({ error: 'Route not found', code: 'NOT_FOUND' });
    });
  });
});
