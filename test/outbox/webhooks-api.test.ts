import { expectErrorShape } from '../http/helpers';
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, Json, makeClientKey, makeWebhook } from './support';

const PUBLIC_URL = 'http://93.184.216.34/hooks/bookings';

describe.each(DIALECTS)('webhooks API on %s', (dialect) => {
  let t: TestApp;
  let clientKey: string;

  beforeAll(async () => {
    t = await createOutboxApp({ dialect });
    clientKey = await makeClientKey(t);
  });
  afterAll(() => t.close());

  it('registers a webhook, shows its secret once and never again', async () => {
    const res = await api(t, 'POST', '/api/v1/webhooks', { url: PUBLIC_URL, events: ['booking.created', 'booking.cancelled'] });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toEqual({
      id: expect.any(Number),
      url: PUBLIC_URL,
      events: ['booking.created', 'booking.cancelled'],
      created_at: new Date(t.clock.now()).toISOString(),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{32,}$/),
    });
    expect(res.headers.location).toBe(`/api/v1/webhooks/${created.id}`);

    const one = await api(t, 'GET', `/api/v1/webhooks/${created.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ id: created.id, url: PUBLIC_URL, events: created.events, created_at: created.created_at });
    const list = await api(t, 'GET', '/api/v1/webhooks');
    expect(list.json().data).toContainEqual({ id: created.id, url: PUBLIC_URL, events: created.events, created_at: created.created_at });
    expect(list.body).not.toContain(created.secret);
    expect(one.body).not.toContain(created.secret);
  });

  it('keeps a secret the caller chose', async () => {
    const secret = 'my-own-secret-of-32-characters!!';
    const res = await api(t, 'POST', '/api/v1/webhooks', { url: PUBLIC_URL, events: ['booking.updated'], secret });
    expect(res.statusCode).toBe(201);
    expect(res.json().secret).toBe(secret);
  });

  it('refuses an unknown event type, an empty list, a bad URL and a missing field with 400', async () => {
    const unknown = await api(t, 'POST', '/api/v1/webhooks', { url: PUBLIC_URL, events: ['booking.created', 'booking.exploded'] });
    expect(expectErrorShape(unknown, 400, 'VALIDATION_ERROR').error).toMatch(/booking\.exploded/);
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks', { url: PUBLIC_URL, events: [] }), 400, 'VALIDATION_ERROR');
    for (const url of ['ftp://example.com/x', 'not a url', 'file:///etc/passwd', 'http://user:pw@93.184.216.34/']) {
      expectErrorShape(await api(t, 'POST', '/api/v1/webhooks', { url, events: ['booking.created'] }), 400, 'VALIDATION_ERROR');
    }
    const missing = await api(t, 'POST', '/api/v1/webhooks', { events: ['booking.created'] });
    expect(expectErrorShape(missing, 400, 'VALIDATION_ERROR').error).toBe('Missing required fields: url');
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks', { url: PUBLIC_URL, events: ['booking.created'], secret: 'short' }), 400, 'VALIDATION_ERROR');
    expect((await api(t, 'GET', '/api/v1/webhooks')).json().data.every((w: Json) => !w.events.includes('booking.exploded'))).toBe(true);
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://127.1.2.3/hook',
    'http://localhost:3000/hook',
    'http://10.1.2.3/hook',
    'http://172.16.5.4/hook',
    'http://192.168.1.10/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:a00:1]/hook',
    'http://[fd12:3456:789a::1]/hook',
    'http://[fe80::1]/hook',
    'https://2130706433/hook',
    'http://0x7f000001/hook',
  ])('refuses %s (loopback, private, link-local or unique-local) with 400', async (url) => {
    const before = (await api(t, 'GET', '/api/v1/webhooks')).json().data.length;
    const res = await api(t, 'POST', '/api/v1/webhooks', { url, events: ['booking.created'] });
    expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').error).toMatch(/private|loopback|resolved/);
    expect((await api(t, 'GET', '/api/v1/webhooks')).json().data.length).toBe(before);
  });

  it('accepts a public address', async () => {
    expect((await api(t, 'POST', '/api/v1/webhooks', { url: 'https://[2606:4700:4700::1111]/hook', events: ['booking.created'] })).statusCode).toBe(201);
  });

  it('is for admins only: a client key gets 403, even with an invalid body', async () => {
    const { id } = await makeWebhook(t, PUBLIC_URL);
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks', { url: PUBLIC_URL, events: ['booking.created'] }, clientKey), 403, 'FORBIDDEN');
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks', { url: 1 }, clientKey), 403, 'FORBIDDEN');
    expectErrorShape(await api(t, 'GET', '/api/v1/webhooks', undefined, clientKey), 403, 'FORBIDDEN');
    expectErrorShape(await api(t, 'GET', `/api/v1/webhooks/${id}`, undefined, clientKey), 403, 'FORBIDDEN');
    expectErrorShape(await api(t, 'GET', `/api/v1/webhooks/${id}/deliveries`, undefined, clientKey), 403, 'FORBIDDEN');
    expectErrorShape(await api(t, 'DELETE', `/api/v1/webhooks/${id}`, undefined, clientKey), 403, 'FORBIDDEN');
    expect((await api(t, 'GET', `/api/v1/webhooks/${id}`)).statusCode).toBe(200);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks' });
    expectErrorShape(anonymous, 401, 'UNAUTHENTICATED');
  });

  it('deletes a webhook: 204, then 404 "Webhook not found" everywhere', async () => {
    const { id } = await makeWebhook(t, PUBLIC_URL);
    expect((await api(t, 'GET', `/api/v1/webhooks/${id}/deliveries`)).json()).toEqual({ data: [] });
    const deleted = await api(t, 'DELETE', `/api/v1/webhooks/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    for (const [method, url] of [
      ['GET', `/api/v1/webhooks/${id}`],
      ['DELETE', `/api/v1/webhooks/${id}`],
      ['GET', `/api/v1/webhooks/${id}/deliveries`],
      ['GET', '/api/v1/webhooks/999999'],
    ] as const) {
      expect(expectErrorShape(await api(t, method, url), 404, 'NOT_FOUND')).toEqual({ error: 'Webhook not found', code: 'NOT_FOUND' });
    }
    expect((await api(t, 'GET', '/api/v1/webhooks')).json().data.map((w: Json) => w.id)).not.toContain(id);
  });
});

describe('webhook targets on private networks when allowed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createOutboxApp({ dialect: 'sqlite', env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
  });
  afterAll(() => t.close());

  it.each(['http://127.0.0.1:8080/hook', 'http://localhost:3000/hook', 'http://10.0.0.8/hook', 'http://[::1]:9000/hook'])('accepts %s', async (url) => {
    expect((await api(t, 'POST', '/api/v1/webhooks', { url, events: ['booking.created'] })).statusCode).toBe(201);
  });

  it('still refuses other schemes', async () => {
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks', { url: 'gopher://127.0.0.1/', events: ['booking.created'] }), 400, 'VALIDATION_ERROR');
  });
});
