import SwaggerParser from '@apidevtools/swagger-parser';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { expectErrorShape, Json, servedRoutes } from './helpers';


describe.each(DIALECTS)('operations endpoints on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  it('GET /health answers 200 {"status":"ok"} without an API key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 while the database answers, without an API key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
  });

  it('GET /openapi.json is a valid OpenAPI 3 document describing every /api/v1 route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json() as Json;
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();

    const served = servedRoutes(t.app).filter((r) => r.split(' ')[1].startsWith('/api/v1/'));
    for (const route of [
      'POST /api/v1/providers',
      'GET /api/v1/providers',
      'GET /api/v1/providers/{id}',
      'PATCH /api/v1/providers/{id}',
      'POST /api/v1/bookings',
      'GET /api/v1/bookings',
      'GET /api/v1/bookings/{id}',
      'PATCH /api/v1/bookings/{id}',
      'DELETE /api/v1/bookings/{id}',
      'GET /api/v1/bookings/{id}/history',
      'GET /api/v1/events',
    ]) {
      expect(served).toContain(route);
    }
    const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented).toEqual(expect.arrayContaining(served));

    const createBooking = doc.paths['/api/v1/bookings'].post;
    expect(Object.keys(createBooking.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['provider_id', 'service_id', 'hold_id', 'date', 'time']),
    );
    expect(JSON.stringify(createBooking)).toContain('example');
    expect(Object.keys(createBooking.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '409', '422']));
    expect(doc.paths['/api/v1/bookings/{id}'].patch.responses).toHaveProperty('412');
  });

  it('GET /docs serves the Swagger UI page', async () => {
    let res = await t.app.inject({ method: 'GET', url: '/docs' });
    if (res.statusCode >= 300 && res.statusCode < 400) res = await t.app.inject({ method: 'GET', url: String(res.headers.location) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });

  it('answers unknown routes outside /api/v1 with the same 404 shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(expectErrorShape(res, 404, 'NOT_FOUND')).toEqual({ error: 'Route not found', code: 'NOT_FOUND' });
  });
});

describe.each(DIALECTS)('GET /ready once the database is gone on %s', (dialect) => {
  it('answers 503 UNAVAILABLE, and /health still answers 200', async () => {
    const t = await createTestApp({ dialect });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
      await t.service.close();
      const res = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(expectErrorShape(res, 503, 'UNAVAILABLE').error).not.toMatch(/pool|sqlite|destroyed|ECONN/i);
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      const booking = await t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: t.headers(),
        payload: { provider_id: 1, date: '2027-12-25', time: '14:30' },
      });
      expect(booking.statusCode).toBeGreaterThanOrEqual(500);
      expect(booking.json()).toEqual({ error: expect.any(String), code: expect.stringMatching(/^(INTERNAL|UNAVAILABLE)$/) });
      expect(booking.body).not.toMatch(/pool|sqlite|destroyed|driver|kysely|\bat /i);
    } finally {
      await t.app.close();
    }
  });
});
