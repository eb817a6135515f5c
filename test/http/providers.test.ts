import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { countRows, createProvider, expectErrorShape, get, Json, patch, post } from './helpers';

describe.each(DIALECTS)('providers over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  describe('POST /api/v1/providers', () => {
    it('creates a provider with the default time zone and duration', async () => {
      const res = await post(t, '/api/v1/providers', { name: 'Dr. Ada Byron', email: 'ada.create@example.com' });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ name: 'Dr. Ada Byron', email: 'ada.create@example.com', timezone: 'UTC', default_duration_minutes: 30 });
      expect(Number.isInteger(body.id)).toBe(true);
      expect(res.headers.location).toBe(`/api/v1/providers/${body.id}`);
      expect(body.created_at).toBe(new Date(t.clock.now()).toISOString());
      expect((await get(t, `/api/v1/providers/${body.id}`)).json()).toEqual(body);
    });

    it('keeps a given time zone and duration', async () => {
      const body = await createProvider(t, { timezone: 'Europe/Berlin', default_duration_minutes: 45 });
      expect(body).toMatchObject({ timezone: 'Europe/Berlin', default_duration_minutes: 45 });
    });

    it('refuses a duplicate email, whatever its case, with 409 EMAIL_TAKEN', async () => {
      await createProvider(t, { email: 'Grace@Example.com' });
      const before = await countRows(t);
      for (const email of ['Grace@Example.com', 'grace@example.com', 'GRACE@EXAMPLE.COM']) {
        const res = await post(t, '/api/v1/providers', { name: 'Another Grace', email });
        expect(expectErrorShape(res, 409, 'EMAIL_TAKEN')).toEqual({ error: 'A provider with this email already exists', code: 'EMAIL_TAKEN' });
      }
      expect(await countRows(t)).toEqual(before);
    });

    it.each([
      ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      ['an offset instead of a zone', { timezone: '+02:00' }, 'timezone'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a bad email', { email: 'not-an-email' }, 'email'],
      ['an email with spaces', { email: 'a b@example.com' }, 'email'],
      ['a duration below 5', { default_duration_minutes: 4 }, 'default_duration_minutes'],
      ['a duration above 480', { default_duration_minutes: 481 }, 'default_duration_minutes'],
      ['a duration as a string', { default_duration_minutes: '30' }, 'default_duration_minutes'],
      ['an unknown field', { phone: '123' }, 'phone'],
      ['a numeric name', { name: 42 }, 'name'],
    ])('refuses %s (400) and stores nothing', async (_label, change, field) => {
      const before = await countRows(t);
      const res = await post(t, '/api/v1/providers', { name: 'Dr. Who', email: 'who@example.com', ...change });
      expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').error).toContain(field);
      expect(await countRows(t)).toEqual(before);
    });

    it.each([
      [{}, 'Missing required fields: name, email'],
      [{ name: '' }, 'Missing required fields: name, email'],
      [{ name: 'Dr. Who', email: null }, 'Missing required fields: email'],
    ])('names the missing required fields of %j', async (payload, message) => {
      expect(expectErrorShape(await post(t, '/api/v1/providers', payload), 400, 'VALIDATION_ERROR').error).toBe(message);
    });
  });

  describe('GET /api/v1/providers/{id}', () => {
    it('answers 404 "Provider not found" for an unknown id', async () => {
      const res = await get(t, '/api/v1/providers/987654');
      expect(expectErrorShape(res, 404, 'PROVIDER_NOT_FOUND')).toEqual({ error: 'Provider not found', code: 'PROVIDER_NOT_FOUND' });
    });
  });

  describe('GET /api/v1/providers', () => {
    it('walks every provider exactly once in id order, page by page', async () => {
      for (let i = 0; i < 7; i++) await createProvider(t);
      const all: Json[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(t, `/api/v1/providers?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json();
        expect(page.data.length).toBeLessThanOrEqual(3);
        all.push(...page.data);
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor);
      const ids = all.map((p) => p.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const count = (await countRows(t)).providers;
      expect(ids).toHaveLength(count);
      expect(pages).toBe(Math.ceil(count / 3));
    });

    it('answers the default page size of 50 and a null cursor on the last page', async () => {
      const page = (await get(t, '/api/v1/providers')).json();
      expect(page.data.length).toBe(Math.min(50, (await countRows(t)).providers));
      expect(page.next_cursor).toBeNull();
    });

    it.each(['limit=0', 'limit=201', 'cursor=garbage', 'sort=name'])('refuses %s (400)', async (query) => {
      expectErrorShape(await get(t, `/api/v1/providers?${query}`), 400, 'VALIDATION_ERROR');
    });
  });

  describe('PATCH /api/v1/providers/{id}', () => {
    it('changes the given fields only and keeps the rest', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      t.clock.advance(60_000);
      const res = await patch(t, `/api/v1/providers/${p.id}`, { name: '  Dr. Ada King  ', timezone: 'America/New_York' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: p.id,
        name: 'Dr. Ada King',
        email: p.email,
        timezone: 'America/New_York',
        default_duration_minutes: 30,
        created_at: p.created_at,
        updated_at: new Date(t.clock.now()).toISOString(),
      });
      expect((await get(t, `/api/v1/providers/${p.id}`)).json()).toMatchObject({ name: 'Dr. Ada King', timezone: 'America/New_York' });
    });

    it('lets a provider change the case of its own email', async () => {
      const p = await createProvider(t, { email: 'case.change@example.com' });
      const res = await patch(t, `/api/v1/providers/${p.id}`, { email: 'Case.Change@example.com' });
      expect(res.statusCode).toBe(200);
      expect(res.json().email).toBe('Case.Change@example.com');
    });

    it('refuses an email another provider has, whatever its case (409), and changes nothing', async () => {
      await createProvider(t, { email: 'taken@example.com' });
      const p = await createProvider(t);
      const res = await patch(t, `/api/v1/providers/${p.id}`, { email: 'TAKEN@example.com', name: 'Changed' });
      expect(expectErrorShape(res, 409, 'EMAIL_TAKEN').error).toBe('A provider with this email already exists');
      expect((await get(t, `/api/v1/providers/${p.id}`)).json()).toEqual(p);
    });

    it.each([
      ['an unknown time zone', { timezone: 'Nowhere/Land' }],
      ['an empty name', { name: '' }],
      ['a null name', { name: null }],
      ['a bad email', { email: 'nope' }],
      ['a duration of 500', { default_duration_minutes: 500 }],
      ['an unknown field', { calendar_token: 'mine' }],
    ])('refuses %s (400) and changes nothing', async (_label, change) => {
      const p = await createProvider(t);
      expectErrorShape(await patch(t, `/api/v1/providers/${p.id}`, change), 400, 'VALIDATION_ERROR');
      expect((await get(t, `/api/v1/providers/${p.id}`)).json()).toEqual(p);
    });

    it('refuses a body that is not an object (400)', async () => {
      const p = await createProvider(t);
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/providers/${p.id}`, headers: t.headers(), payload: '[]' });
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
    });

    it('answers 404 for an unknown provider', async () => {
      expectErrorShape(await patch(t, '/api/v1/providers/987654', { name: 'X' }), 404, 'PROVIDER_NOT_FOUND');
    });

    it('answers 200 with the provider unchanged for an empty change', async () => {
      const p = await createProvider(t);
      t.clock.advance(60_000);
      const res = await patch(t, `/api/v1/providers/${p.id}`, {});
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(p);
    });
  });
});
