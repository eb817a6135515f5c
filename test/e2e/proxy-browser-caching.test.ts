/**
 * Behind a proxy and in front of browsers, over real sockets: TRUST_PROXY decides the client's address (rate-limit
 * bucket, logs), CORS_ORIGINS opts browsers in, answers carrying a secret are never cached, and the calendar feed
 * revalidates with its ETag.
 */
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../src/adapters/config/config';
import { bootstrapAdminKey, createHttpApp } from '../../src/http-server';
import { BookingService, createService } from '../../src/service';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { freshDatabaseUrl } from '../support/databases';
import { TEST_ADMIN_KEY, TEST_NOW, testConfig } from '../support/http-harness';

type Json = Record<string, any>;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Json;
}

function call(base: string, method: string, path: string, headers: Record<string, string> = {}, payload?: unknown): Promise<Answer> {
  const data = payload === undefined ? undefined : JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method, headers: { ...headers, ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Json });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

class LogLines extends Writable {
  readonly lines: Json[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Json);
    done();
  }
}

interface Running {
  base: string;
  app: FastifyInstance;
  service: BookingService;
  log: LogLines;
  close(): Promise<void>;
}

async function serve(env: Record<string, string>): Promise<Running> {
  const databaseUrl = await freshDatabaseUrl('sqlite');
  const config = await testConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', ...env });
  const service = await createService({ databaseUrl, clock: new FixedClock(Date.parse(TEST_NOW)) });
  await bootstrapAdminKey(service, config);
  const log = new LogLines();
  const app = await createHttpApp(service, config, { logStream: log });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    app,
    service,
    log,
    close: async () => {
      await app.close();
      await service.close();
    },
  };
}

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

const list = (header: unknown) => String(header).split(',').map((v) => v.trim().toLowerCase());

/** The status of `count` unauthenticated requests, each claiming to come from `forwardedFor`. */
async function statuses(r: Running, count: number, forwardedFor?: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push((await call(r.base, 'GET', '/api/v1/providers', forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor })).status);
  }
  return out;
}

/** The `remote_address` of the logged request with this X-Forwarded-For. */
async function loggedAddress(r: Running, forwardedFor: string): Promise<string> {
  const marker = `/api/v1/providers?marker=${Math.random().toString(36).slice(2)}`;
  await call(r.base, 'GET', marker, { 'x-forwarded-for': forwardedFor, ...admin });
  for (let turn = 0; turn < 10_000; turn++) {
    const line = r.log.lines.find((l) => typeof l.url === 'string' && l.url.includes(marker) && l.remote_address !== undefined);
    if (line) return line.remote_address as string;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('no log line for the request');
}

describe('TRUST_PROXY', () => {
  it('unset: X-Forwarded-For is ignored; every address claimed shares the socket peer’s budget and the log shows the peer', async () => {
    const r = await serve({ RATE_LIMIT_MAX: '3' });
    try {
      expect(await statuses(r, 2, '203.0.113.1')).toEqual([401, 401]);
      expect(await statuses(r, 2, '203.0.113.2')).toEqual([401, 429]);
      expect(await loggedAddress(r, '198.51.100.77')).toBe('127.0.0.1');
    } finally {
      await r.close();
    }
  });

  it('a trusted proxy address: each forwarded client has a budget of its own, and the log shows the client', async () => {
    const r = await serve({ RATE_LIMIT_MAX: '3', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' });
    try {
      expect(await statuses(r, 4, '203.0.113.1')).toEqual([401, 401, 401, 429]);
      expect(await statuses(r, 3, '203.0.113.2')).toEqual([401, 401, 401]);
      expect(await loggedAddress(r, '198.51.100.77')).toBe('198.51.100.77');
      // Entries the client wrote itself, left of the trusted chain, are not believed beyond the first untrusted hop.
      expect(await loggedAddress(r, '1.2.3.4, 198.51.100.78')).toBe('198.51.100.78');
    } finally {
      await r.close();
    }
  });

  it('a hop count: the address that many hops back is the client’s', async () => {
    const r = await serve({ RATE_LIMIT_MAX: '1000', TRUST_PROXY: '1' });
    try {
      expect(await loggedAddress(r, '1.2.3.4, 198.51.100.9')).toBe('198.51.100.9');
    } finally {
      await r.close();
    }
  });

  it('proxies elsewhere: a peer that is not one of them is not believed', async () => {
    const r = await serve({ RATE_LIMIT_MAX: '2', TRUST_PROXY: '10.0.0.0/8' });
    try {
      expect(await statuses(r, 3, '203.0.113.5')).toEqual([401, 401, 429]);
      expect(await loggedAddress(r, '198.51.100.77')).toBe('127.0.0.1');
    } finally {
      await r.close();
    }
  });

  it('is validated: true, a hop count or addresses and CIDR ranges', async () => {
    expect((await loadConfig({ TRUST_PROXY: 'true' })).TRUST_PROXY).toBe(true);
    expect((await loadConfig({ TRUST_PROXY: '2' })).TRUST_PROXY).toBe(2);
    expect((await loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1,192.168.1.1' })).TRUST_PROXY).toEqual(['10.0.0.0/8', '::1', '192.168.1.1']);
    expect((await loadConfig({})).TRUST_PROXY).toBe(false);
    expect((await loadConfig({ TRUST_PROXY: '' })).TRUST_PROXY).toBe(false);
    for (const bad of ['yes', '0', '-1', '10.0.0.0/33', '300.1.1.1', 'proxy.internal', '10.0.0.1,', '::1/129', '1.2.3.4/8/1']) {
      await expect(loadConfig({ TRUST_PROXY: bad })).rejects.toThrow(ConfigError);
      await expect(loadConfig({ TRUST_PROXY: bad })).rejects.toThrow(/TRUST_PROXY/);
    }
  });
});

describe('CORS_ORIGINS', () => {
  const origin = 'https://app.example.com';

  it('unset: no CORS headers, on answers or on preflights', async () => {
    const r = await serve({});
    try {
      const res = await call(r.base, 'GET', '/api/v1/providers', { origin, ...admin });
      expect(res.status).toBe(200);
      const preflight = await call(r.base, 'OPTIONS', '/api/v1/bookings', { origin, 'access-control-request-method': 'POST' });
      for (const answer of [res, preflight]) {
        expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      }
    } finally {
      await r.close();
    }
  });

  it('set: a preflight from an allowed origin admits the API’s request headers, before any key is checked; answers expose ETag, Location, rate limits and Retry-After', async () => {
    const r = await serve({ CORS_ORIGINS: `${origin},http://localhost:5173`, RATE_LIMIT_MAX: '1000' });
    try {
      const preflight = await call(r.base, 'OPTIONS', '/api/v1/bookings/1', {
        origin,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type, idempotency-key, if-match, if-none-match',
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(list(preflight.headers['access-control-allow-methods'])).toEqual(expect.arrayContaining(['get', 'post', 'patch', 'delete']));
      const allowed = list(preflight.headers['access-control-allow-headers']);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'if-match', 'if-none-match']));
      expect(preflight.headers.vary).toMatch(/Origin/i);

      const created = await call(r.base, 'POST', '/api/v1/providers', { origin, ...admin }, { name: 'Ada', email: 'ada@example.com' });
      expect(created.status).toBe(201);
      expect(created.headers['access-control-allow-origin']).toBe(origin);
      const exposed = list(created.headers['access-control-expose-headers']);
      expect(exposed).toEqual(expect.arrayContaining(['etag', 'location', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']));
      expect(created.headers.location).toBeDefined();
      expect(created.headers['ratelimit-limit']).toBe('1000');

      // A browser reads the refusal too.
      const refused = await call(r.base, 'GET', '/api/v1/providers', { origin: 'http://localhost:5173' });
      expect(refused.status).toBe(401);
      expect(refused.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    } finally {
      await r.close();
    }
  });

  it('set: another origin gets no CORS headers, so its browser refuses to hand over the answer', async () => {
    const r = await serve({ CORS_ORIGINS: origin });
    try {
      const preflight = await call(r.base, 'OPTIONS', '/api/v1/bookings', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const res = await call(r.base, 'GET', '/api/v1/providers', { origin: 'https://evil.example', ...admin });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await r.close();
    }
  });

  it('is validated: exact origins only', async () => {
    expect((await loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' })).CORS_ORIGINS).toEqual(['https://a.example', 'http://localhost:5173']);
    expect((await loadConfig({})).CORS_ORIGINS).toEqual([]);
    for (const bad of ['*', 'a.example', 'https://a.example/', 'https://a.example/app', 'ftp://a.example', 'https://a.example,']) {
      await expect(loadConfig({ CORS_ORIGINS: bad })).rejects.toThrow(/CORS_ORIGINS/);
    }
  });
});

describe('caching', () => {
  let r: Running;
  beforeAll(async () => {
    r = await serve({ RATE_LIMIT_MAX: '100000' });
  });
  afterAll(() => r.close());

  const post = (path: string, body?: unknown) => call(r.base, 'POST', path, admin, body);

  it('answers every response that carries a secret with Cache-Control: no-store', async () => {
    const provider = await post('/api/v1/providers', { name: 'Ada', email: 'ada.cache@example.com', timezone: 'Europe/Berlin' });
    const key = await post('/api/v1/api-keys', { name: 'app', role: 'client' });
    const webhook = await post('/api/v1/webhooks', { url: 'http://93.184.216.34/hooks', events: ['booking.created'] });
    const rotated = await post(`/api/v1/webhooks/${webhook.json().id}/secret`);
    const booking = await post('/api/v1/bookings', { provider_id: provider.json().id, date: '2027-03-01', time: '09:00', customer_email: 'c@example.com' });
    const series = await post('/api/v1/booking-series', { provider_id: provider.json().id, date: '2027-03-02', time: '09:00', repeat: { frequency: 'weekly', count: 2 } });
    const token = await post(`/api/v1/providers/${provider.json().id}/calendar-token`);
    const readProvider = await call(r.base, 'GET', `/api/v1/providers/${provider.json().id}`, admin);
    const page = await call(r.base, 'GET', `/manage/${booking.json().id}?token=${booking.json().manage_token}`);
    const answers = { provider, key, webhook, rotated, booking, series, token, readProvider, page };
    const seen = Object.fromEntries(Object.entries(answers).map(([name, res]) => [name, [res.status, res.headers['cache-control']]]));
    expect(seen).toEqual({
      provider: [201, 'no-store'],
      key: [201, 'no-store'],
      webhook: [201, 'no-store'],
      rotated: [200, 'no-store'],
      booking: [201, 'no-store'],
      series: [201, 'no-store'],
      token: [200, 'no-store'],
      readProvider: [200, 'no-store'],
      page: [200, 'no-store'],
    });
    expect(key.json().key).toBeDefined();
    expect(booking.json().manage_token).toBeDefined();
    // An idempotent replay repeats the 201, manage_token included: not cached either.
    const once = await call(r.base, 'POST', '/api/v1/bookings', { ...admin, 'idempotency-key': 'k-cache' }, { provider_id: provider.json().id, date: '2027-03-03', time: '09:00' });
    const again = await call(r.base, 'POST', '/api/v1/bookings', { ...admin, 'idempotency-key': 'k-cache' }, { provider_id: provider.json().id, date: '2027-03-03', time: '09:00' });
    expect([once.status, again.status, again.json().manage_token]).toEqual([201, 201, once.json().manage_token]);
    expect(again.headers['cache-control']).toBe('no-store');
  });

  it('gives the calendar feed a strong ETag over its content: 304 to If-None-Match, a new tag once a booking changes', async () => {
    const provider = (await post('/api/v1/providers', { name: 'Feed', email: 'feed.cache@example.com', timezone: 'Europe/Berlin' })).json();
    const booking = (await post('/api/v1/bookings', { provider_id: provider.id, date: '2027-03-01', time: '09:00' })).json();
    const feedPath = `/api/v1/providers/${provider.id}/calendar.ics?token=${encodeURIComponent(provider.calendar_token)}`;
    const first = await call(r.base, 'GET', feedPath);
    expect(first.status).toBe(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[^"]+"$/);
    expect((await call(r.base, 'GET', feedPath)).headers.etag).toBe(etag);

    const unchanged = await call(r.base, 'GET', feedPath, { 'if-none-match': etag });
    expect([unchanged.status, unchanged.body, unchanged.headers.etag]).toEqual([304, '', etag]);
    expect((await call(r.base, 'GET', feedPath, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await call(r.base, 'GET', feedPath, { 'if-none-match': '"something-else"' })).status).toBe(200);

    expect((await call(r.base, 'PATCH', `/api/v1/bookings/${booking.id}`, admin, { time: '10:00' })).status).toBe(200);
    const changed = await call(r.base, 'GET', feedPath, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body).toContain('DTSTART');
  });
});
