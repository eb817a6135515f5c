import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { bookingRows, countRows, createProvider, expectErrorShape, get, Json, patch, post } from './helpers';

const json = { 'content-type': 'application/json' };

describe.each(DIALECTS)('hostile input at the HTTP edge on %s', (dialect) => {
  let t: TestApp;
  let provider: Json;

  beforeAll(async () => {
    t = await createTestApp({ dialect, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    provider = await createProvider(t, { name: 'Edge', email: `edge-${dialect}@example.com` });
  });
  afterAll(() => t.close());

  const booking = (fields: Json = {}) => ({ provider_id: provider.id, date: '2027-06-01', time: '10:00', ...fields });

  describe('NUL characters and unpaired surrogates', () => {
    const raw = (body: string) => t.app.inject({ method: 'POST', url: '/api/v1/providers', headers: { ...t.headers(), ...json }, payload: body });

    it.each([
      ['a NUL in a provider name', '{"name": "Ada\\u0000Byron", "email": "nul@example.com"}', 'name', /NUL/],
      ['an unpaired high surrogate', '{"name": "Ada \\ud800", "email": "hs@example.com"}', 'name', /surrogate/],
      ['an unpaired low surrogate', '{"name": "\\udc00 Ada", "email": "ls@example.com"}', 'name', /surrogate/],
      ['a NUL in an email', '{"name": "Ada", "email": "ada\\u0000@example.com"}', 'email', /NUL/],
      ['a NUL in a field name', '{"name": "Ada", "email": "fn@example.com", "x\\u0000": 1}', 'body', /field name/],
    ])('refuses %s with 400 naming the field, storing nothing', async (_name, body, field, message) => {
      const before = await countRows(t);
      const res = await raw(body);
      const error = expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual({ field });
      expect(error.error).toMatch(message);
      expect(await countRows(t)).toEqual(before);
    });

    it('refuses them in booking fields on create and on change, and in nested values', async () => {
      const rows = await bookingRows(t);
      for (const fields of [{ customer_name: 'Grace\u0000' }, { notes: 'a\ud800b' }, { customer_email: '\udfff@example.com' }]) {
        const res = await post(t, '/api/v1/bookings', booking(fields));
        expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').details).toEqual({ field: Object.keys(fields)[0] });
      }
      const created = await post(t, '/api/v1/bookings', booking({ time: '11:00' }));
      expect(created.statusCode).toBe(201);
      const changed = await patch(t, `/api/v1/bookings/${created.json().id}`, { notes: 'x\u0000' });
      expect(expectErrorShape(changed, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'notes' });
      const schedule = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/providers/${provider.id}/schedule`,
        headers: t.headers(),
        payload: { weekly: { mon: [['09:00', '12:00'], ['13:00', '1\u00007:00']] } },
      });
      expect(expectErrorShape(schedule, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'weekly.mon.1.1' });
      expect((await bookingRows(t)).length).toBe(rows.length + 1);
    });

    it('refuses them in query strings, naming the parameter', async () => {
      const res = await get(t, '/api/v1/bookings?cursor=abc%00def');
      const error = expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual({ field: 'cursor' });
      expect(error.error).toMatch(/cursor.*NUL/);
      const feed = await t.app.inject({ method: 'GET', url: `/api/v1/providers/${provider.id}/calendar.ics?token=cal_%00` });
      expect(expectErrorShape(feed, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'token' });
    });

    it('accepts valid surrogate pairs (emoji, other planes) and returns them unchanged', async () => {
      const res = await post(t, '/api/v1/bookings', booking({ time: '12:00', customer_name: 'Grace 😀 𝓗opper', notes: '🗓️ Termin' }));
      expect(res.statusCode).toBe(201);
      const read = await get(t, `/api/v1/bookings/${res.json().id}`);
      expect(read.json()).toMatchObject({ customer_name: 'Grace 😀 𝓗opper', notes: '🗓️ Termin' });
    });
  });

  describe('bodies with many unknown fields', () => {
    const unknownFields = (n: number) => {
      const body: Json = booking({ time: '13:00' });
      for (let i = 0; i < n; i++) body[`k${i.toString(36)}`] = 0;
      return JSON.stringify(body);
    };

    it('answers 10,000 unknown fields with at most 10 listed and the count of the rest, in a small answer', async () => {
      const payload = unknownFields(10_000);
      expect(payload.length).toBeLessThan(102_400);
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload });
      const error = expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(error.details.errors).toHaveLength(10);
      expect(error.details.errors[0]).toEqual({ field: 'k0', message: 'Unknown field: k0' });
      expect(error.details.more_errors).toBe(9_990);
      expect(error.error).toMatch(/and 9990 more$/);
      expect(res.body.length).toBeLessThan(2_000);
    });

    it('costs little CPU to refuse: 20 such bodies take under 1.5 s of CPU in all', async () => {
      const payload = unknownFields(10_000);
      await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload });
      const start = process.cpuUsage();
      for (let i = 0; i < 20; i++) {
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload })).statusCode).toBe(400);
      }
      const used = process.cpuUsage(start);
      // Quadratic de-duplication cost about 135 ms per body (2.7 s for 20); the linear work is 10 to 25 ms each.
      expect((used.user + used.system) / 1000).toBeLessThan(1_500);
    });

    it('refuses a NUL nested 40,000 arrays deep with 400 (no stack overflow), naming a clipped path', async () => {
      const payload = `{"provider_id": ${provider.id}, "date": "2027-06-01", "time": "10:00", "notes": ${'['.repeat(40_000)}"\\u0000"${']'.repeat(40_000)}}`;
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload });
      const error = expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(error.details.field).toMatch(/^notes\.0\.0\..*…$/);
      expect(res.body.length).toBeLessThan(1_000);
    });

    it('names an unknown field of 50,000 characters by its first 100 only', async () => {
      const res = await post(t, '/api/v1/bookings', { ...booking(), ['u'.repeat(50_000)]: 1 });
      const error = expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(error.details.errors[0].field).toBe(`${'u'.repeat(100)}…`);
      expect(res.body.length).toBeLessThan(1_000);
    });

    it('lists every issue when there are no more than 10', async () => {
      const res = await post(t, '/api/v1/bookings', { ...booking(), a: 1, b: 2, c: 3 });
      const error = expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual({ errors: ['a', 'b', 'c'].map((f) => ({ field: f, message: `Unknown field: ${f}` })) });
    });
  });

  describe('email addresses, names and notes', () => {
    it.each([
      'a,b@example.com',
      'c@example.com:X=1',
      'a@example.com, b@example.com',
      'a@example.com;b@example.com',
      'Grace <grace@example.com>',
      '<grace@example.com>',
      '"grace"@example.com',
      'grace hopper@example.com',
      'grace@exa mple.com',
      'grace@example.com\r\nBcc: x@example.com',
      'undisclosed-recipients:;',
      'group: a@example.com;',
      'grace@[127.0.0.1]',
      'grace@localhost',
      'grace@@example.com',
      '.grace@example.com',
      'grace.@example.com',
      'gr..ace@example.com',
      'grace@-example.com',
      'grace@example..com',
      'grace\u0007@example.com',
      `${'g'.repeat(65)}@example.com`,
    ])('refuses customer_email %j', async (email) => {
      const res = await post(t, '/api/v1/bookings', booking({ customer_email: email }));
      expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'customer_email' });
    });

    it.each(['grace.hopper+navy@example.co.uk', "o'brien@example.ie", 'jürgen@müller.example', 'x_y-z@sub-domain.example.com', '  padded@example.com  '])(
      'accepts customer_email %j',
      async (email) => {
        const res = await post(t, '/api/v1/bookings', booking({ time: '14:00', customer_email: email }));
        expect(res.statusCode).toBe(201);
        expect(res.json().customer_email).toBe(email.trim());
        await t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${res.json().id}`, headers: { authorization: t.headers().authorization } });
      },
    );

    it('refuses list syntax in a changed customer_email and in provider emails', async () => {
      const created = await post(t, '/api/v1/bookings', booking({ time: '15:00' }));
      const res = await patch(t, `/api/v1/bookings/${created.json().id}`, { customer_email: 'a,b@example.com' });
      expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'customer_email' });
      for (const email of ['a,b@example.com', 'c@example.com:X=1', 'Ada <ada@example.com>']) {
        const p = await post(t, '/api/v1/providers', { name: 'List', email });
        expect(expectErrorShape(p, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'email' });
      }
      const change = await patch(t, `/api/v1/providers/${provider.id}`, { email: 'x@example.com,y@example.com' });
      expect(expectErrorShape(change, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'email' });
    });

    it.each(['Grace\r\nBcc: x@example.com', 'Grace\nHopper', 'Grace\tHopper', 'Grace\u001b[31m', 'Grace\u0085', 'Grace\u2028Hopper'])(
      'refuses control characters and line breaks in customer_name and provider name: %j',
      async (name) => {
        const res = await post(t, '/api/v1/bookings', booking({ customer_name: name }));
        expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'customer_name' });
        const p = await post(t, '/api/v1/providers', { name, email: 'ctl@example.com' });
        expect(expectErrorShape(p, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'name' });
      },
    );

    it('keeps tabs and line breaks in notes but refuses other control characters', async () => {
      const notes = 'Line one\nLine two\r\n\tindented';
      const ok = await post(t, '/api/v1/bookings', booking({ time: '16:00', notes }));
      expect(ok.statusCode).toBe(201);
      expect((await get(t, `/api/v1/bookings/${ok.json().id}`)).json().notes).toBe(notes);
      for (const bad of ['bell\u0007', 'escape \u001b[2J', 'form\ffeed', 'delete\u007f', 'c1\u009b']) {
        const res = await post(t, '/api/v1/bookings', booking({ time: '17:00', notes: bad }));
        expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').details).toEqual({ field: 'notes' });
      }
    });
  });

  describe('answers that carry a secret', () => {
    it('are Cache-Control: no-store: a new API key, a new webhook, provider bodies and the token rotation', async () => {
      const key = await post(t, '/api/v1/api-keys', { name: 'cache', role: 'client' });
      expect(key.statusCode).toBe(201);
      const webhook = await post(t, '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['booking.created'] });
      expect(webhook.statusCode).toBe(201);
      const created = await post(t, '/api/v1/providers', { name: 'Cache', email: `cache-${dialect}@example.com` });
      const rotated = await post(t, `/api/v1/providers/${provider.id}/calendar-token`, undefined);
      const responses = [
        key,
        webhook,
        created,
        rotated,
        await get(t, `/api/v1/providers/${provider.id}`),
        await get(t, '/api/v1/providers'),
        await patch(t, `/api/v1/providers/${provider.id}`, { name: 'Edge again' }),
      ];
      for (const res of responses) {
        expect(res.statusCode).toBeLessThan(300);
        expect(res.headers['cache-control']).toBe('no-store');
      }
      expect(rotated.json().calendar_token).toMatch(/^cal_/);
    });

    it('are the only ones: a booking list may be cached by the client', async () => {
      const res = await get(t, '/api/v1/bookings');
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBeUndefined();
    });
  });
});
