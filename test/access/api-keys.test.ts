import { sql } from 'kysely';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';

describe.each(DIALECTS)('API keys and roles on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  async function issueKey(role: 'admin' | 'client', extra: Record<string, unknown> = {}): Promise<{ id: number; key: string }> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.headers(), payload: { name: `${role} key`, role, ...extra } });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  async function aProvider(email: string): Promise<number> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/providers', headers: t.headers(), payload: { name: 'P', email } });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  const expectUnauthenticated = (res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) => {
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({ error: expect.any(String), code: 'UNAUTHENTICATED' });
  };

  it.each([
    ['no header', {}],
    ['a non-Bearer scheme', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
    ['an unknown key', { authorization: 'Bearer bk_not-a-real-key-at-all-000000000' }],
  ])('refuses %s with 401 and WWW-Authenticate', async (_name, headers) => {
    expectUnauthenticated(await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers }));
  });

  it('answers an unknown route 404 before asking for a key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Route not found', code: 'NOT_FOUND' });
  });

  it.each(['/health', '/ready', '/openapi.json', '/docs/'])('serves %s without a key', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
  });

  it('issues keys with at least 128 random bits, shown once and stored only as a hash', async () => {
    const issued = await issueKey('client');
    expect(issued.key).toMatch(/^bk_[A-Za-z0-9_-]{32,}$/);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.headers() });
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).not.toContain(issued.key);
    const rows = await sql<Record<string, unknown>>`select * from api_keys`.execute(t.service.database.db);
    expect(JSON.stringify(rows.rows)).not.toContain(issued.key);
    expect(rows.rows.find((r) => Number(r.id) === issued.id)?.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records last_used_at when a key is used', async () => {
    const issued = await issueKey('client');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers(issued.key) })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const keys = (await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.headers() })).json().data;
    expect(keys.find((k: { id: number }) => k.id === issued.id).last_used_at).toBe(new Date(t.clock.now()).toISOString());
  });

  it('refuses a revoked key from then on', async () => {
    const issued = await issueKey('client');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers(issued.key) })).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${issued.id}`, headers: t.headers() });
    expect(del.statusCode).toBe(204);
    expectUnauthenticated(await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers(issued.key) }));
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.headers() })).json().data;
    expect(listed.find((k: { id: number }) => k.id === issued.id).revoked_at).not.toBeNull();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${issued.id}`, headers: t.headers() })).statusCode).toBe(204);
  });

  it('refuses an expired key', async () => {
    const expiresAt = new Date(t.clock.now() + 60_000).toISOString();
    const issued = await issueKey('client', { expires_at: expiresAt });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers(issued.key) })).statusCode).toBe(200);
    t.clock.advance(61_000);
    expectUnauthenticated(await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers(issued.key) }));
  });

  it('refuses an expires_at in the past with 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: t.headers(),
      payload: { name: 'old', role: 'client', expires_at: '2001-01-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
  });

  it('answers 404 for an unknown key id', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/api-keys/999999', headers: t.headers() });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });

  it('never revokes the last active admin key', async () => {
    const other = await issueKey('admin');
    const keys = (await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.headers() })).json().data as {
      id: number;
      role: string;
      revoked_at: string | null;
      expires_at: string | null;
    }[];
    const bootstrap = keys.find((k) => k.role === 'admin' && k.id !== other.id && k.revoked_at === null)!;
    // Revoke every other active admin, using the bootstrap key; the last one is refused.
    for (const k of keys.filter((k) => k.role === 'admin' && k.id !== bootstrap.id && k.revoked_at === null)) {
      expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${k.id}`, headers: t.headers() })).statusCode).toBe(204);
    }
    const last = await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${bootstrap.id}`, headers: t.headers() });
    expect(last.statusCode).toBe(409);
    expect(last.json()).toEqual({ error: expect.any(String), code: 'LAST_ADMIN_KEY' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers() })).statusCode).toBe(200);
  });

  describe('a client key', () => {
    let clientA: string;
    let clientB: string;
    let providerId: number;

    beforeAll(async () => {
      clientA = (await issueKey('client')).key;
      clientB = (await issueKey('client')).key;
      providerId = await aProvider(`roles-${dialect}@example.com`);
    });

    it.each([
      ['POST', '/api/v1/providers', { name: 'x', email: 'x@example.com' }],
      ['POST', '/api/v1/providers', { bogus: true }],
      ['PATCH', '/api/v1/providers/1', { name: 'y' }],
      ['PUT', '/api/v1/providers/1/schedule', { weekly: {} }],
      ['DELETE', '/api/v1/providers/1/schedule', undefined],
      ['POST', '/api/v1/providers/1/calendar-token', undefined],
      ['POST', '/api/v1/api-keys', { name: 'k', role: 'admin' }],
      ['GET', '/api/v1/api-keys', undefined],
      ['DELETE', '/api/v1/api-keys/1', undefined],
    ] as const)('is refused %s %s with 403 before the body is judged', async (method, url, payload) => {
      const res = await t.app.inject({ method, url, headers: t.headers(clientA), payload });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: expect.any(String), code: 'FORBIDDEN' });
    });

    it('reads providers, schedules and availability and books', async () => {
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/providers/${providerId}`, headers: t.headers(clientA) })).statusCode).toBe(200);
      const provider = (await t.app.inject({ method: 'GET', url: `/api/v1/providers/${providerId}`, headers: t.headers(clientA) })).json();
      expect(provider.calendar_token).toBeUndefined();
      const avail = await t.app.inject({ method: 'GET', url: `/api/v1/providers/${providerId}/availability?date=2027-06-01`, headers: t.headers(clientA) });
      expect(avail.statusCode).toBe(200);
      const booked = await t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: t.headers(clientA),
        payload: { provider_id: providerId, date: '2027-06-01', time: '09:00' },
      });
      expect(booked.statusCode).toBe(201);
    });

    it("never sees another client's booking", async () => {
      const mine = await t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: t.headers(clientA),
        payload: { provider_id: providerId, date: '2027-06-02', time: '10:00' },
      });
      const id = mine.json().id;
      const asB = t.headers(clientB);
      for (const [method, url, payload] of [
        ['GET', `/api/v1/bookings/${id}`, undefined],
        ['PATCH', `/api/v1/bookings/${id}`, { notes: 'mine now' }],
        ['DELETE', `/api/v1/bookings/${id}`, undefined],
        ['GET', `/api/v1/bookings/${id}/history`, undefined],
      ] as const) {
        const res = await t.app.inject({ method, url, headers: asB, payload });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: 'Booking not found', code: 'BOOKING_NOT_FOUND' });
      }
      const list = (await t.app.inject({ method: 'GET', url: `/api/v1/bookings?provider_id=${providerId}&status=all`, headers: asB })).json();
      expect(list.data.map((b: { id: number }) => b.id)).not.toContain(id);
      const events = (await t.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: asB })).json();
      expect(events.data.map((e: { booking: { id: number } }) => e.booking.id)).not.toContain(id);
      // Its own views still work, and the booking is unchanged.
      const own = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${id}`, headers: t.headers(clientA) });
      expect(own.json()).toMatchObject({ status: 'active', notes: null, version: 1 });
      const ownEvents = (await t.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: t.headers(clientA) })).json();
      expect(ownEvents.data.map((e: { booking: { id: number } }) => e.booking.id)).toContain(id);
    });

    it('names a conflicting booking only when the caller may see it', async () => {
      const slot = { provider_id: providerId, date: '2027-06-03', time: '11:00' };
      const first = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(clientA), payload: slot });
      expect(first.statusCode).toBe(201);
      const byB = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(clientB), payload: slot });
      expect(byB.statusCode).toBe(409);
      expect(byB.json()).toEqual({ error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE' });
      const byA = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(clientA), payload: slot });
      expect(byA.json().details).toEqual({ conflicting_booking_id: first.json().id });
      const byAdmin = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: slot });
      expect(byAdmin.json().details).toEqual({ conflicting_booking_id: first.json().id });
    });

    it('scopes idempotency keys to the caller', async () => {
      const headersA = { ...t.headers(clientA), 'idempotency-key': 'same-key' };
      const headersB = { ...t.headers(clientB), 'idempotency-key': 'same-key' };
      const a = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: headersA, payload: { provider_id: providerId, date: '2027-06-04', time: '09:00' } });
      expect(a.statusCode).toBe(201);
      // The same key from another caller is a new request, not a replay of A's booking.
      const b = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: headersB, payload: { provider_id: providerId, date: '2027-06-04', time: '10:00' } });
      expect(b.statusCode).toBe(201);
      expect(b.json().id).not.toBe(a.json().id);
    });
  });

  it('sets the same security headers on every response, refusals and unknown routes included', async () => {
    const answers = [
      await t.app.inject({ method: 'GET', url: '/health' }),
      await t.app.inject({ method: 'GET', url: '/api/v1/providers' }),
      await t.app.inject({ method: 'GET', url: '/no-such-route' }),
      await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(), payload: { provider_id: 'x' } }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 404, 400]);
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });
});
