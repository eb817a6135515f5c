import { Writable } from 'node:stream';
import { FastifyInstance } from 'fastify';
import { loggableUrl, loggerOptions, requestIdFrom } from '../../src/adapters/http/logging';
import { bootstrapAdminKey, createHttpApp } from '../../src/http-server';
import { BookingService, createService } from '../../src/service';
import { freshDatabaseUrl } from '../support/databases';
import { TEST_ADMIN_KEY, testConfig } from '../support/http-harness';

type Line = Record<string, any>;

/** A destination stream that keeps every JSON line the logger writes. */
class Capture extends Writable {
  readonly text: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text.push(chunk.toString('utf8'));
    done();
  }
  get raw(): string {
    return this.text.join('');
  }
  get lines(): Line[] {
    return this.raw
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Line);
  }
  /** The response hook runs once the response is sent: wait for its line, a bounded number of turns. */
  async waitFor(predicate: (line: Line) => boolean): Promise<Line> {
    for (let turn = 0; turn < 10_000; turn++) {
      const found = this.lines.find(predicate);
      if (found) return found;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`no such log line in:\n${this.raw}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

async function appLogging(level: string, service: BookingService): Promise<{ app: FastifyInstance; log: Capture }> {
  const log = new Capture();
  const config = await testConfig({ LOG_LEVEL: level });
  const app = await createHttpApp(service, config, { logStream: log });
  await app.ready();
  return { app, log };
}

describe('request logs', () => {
  let service: BookingService;
  let app: FastifyInstance;
  let log: Capture;

  beforeAll(async () => {
    service = await createService({ databaseUrl: await freshDatabaseUrl('sqlite') });
    await bootstrapAdminKey(service, await testConfig());
    ({ app, log } = await appLogging('info', service));
  });
  afterAll(async () => {
    await app.close();
    await service.close();
  });

  it('writes one JSON line per request with method, route pattern, status, duration and request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/providers/4242/availability?date=2027-01-05', headers: { ...auth, 'x-request-id': 'one-line-test' } });
    expect(res.statusCode).toBe(404);
    const line = await log.waitFor((l) => l.request_id === 'one-line-test' && l.msg === 'request completed');
    expect(line).toMatchObject({
      level: 30,
      method: 'GET',
      route: '/api/v1/providers/:id/availability',
      url: '/api/v1/providers/4242/availability?date=2027-01-05',
      status_code: 404,
      request_id: 'one-line-test',
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    expect(log.lines.filter((l) => l.request_id === 'one-line-test')).toHaveLength(1);
    expect(log.lines.some((l) => l.msg === 'incoming request')).toBe(false);
  });

  it('honours a valid incoming X-Request-Id and returns it', async () => {
    const id = 'Abc-123_x.y';
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
    await log.waitFor((l) => l.request_id === id && l.route === '/health' && l.status_code === 200);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'has space'],
    ['with a line break', 'evil\\nline'],
    ['with JSON characters', '{"x":1}'],
    ['empty', ''],
  ])('replaces an incoming X-Request-Id that is %s with a new UUID', async (_case, id) => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    const returned = res.headers['x-request-id'] as string;
    expect(returned).toMatch(UUID);
    await log.waitFor((l) => l.request_id === returned && l.msg === 'request completed');
    expect(log.raw).not.toContain(id || '\u0000');
  });

  it('accepts an X-Request-Id of exactly 128 characters', async () => {
    const id = 'b'.repeat(128);
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
  });

  it('generates a UUID when none is sent, also on errors and unknown routes', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/nowhere' });
    const unauthenticated = await app.inject({ method: 'GET', url: '/api/v1/providers' });
    expect(unknown.statusCode).toBe(404);
    expect(unauthenticated.statusCode).toBe(401);
    for (const res of [unknown, unauthenticated]) expect(res.headers['x-request-id']).toMatch(UUID);
    expect(unknown.headers['x-request-id']).not.toBe(unauthenticated.headers['x-request-id']);
    const line = await log.waitFor((l) => l.request_id === unknown.headers['x-request-id']);
    expect(line).toMatchObject({ route: null, url: '/nowhere', status_code: 404 });
  });

  it('never writes the Authorization header, API key secrets or calendar tokens', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'key-create' },
      payload: { name: 'logging test', role: 'client' },
    });
    expect(created.statusCode).toBe(201);
    const secret = created.json().key as string;
    expect(secret.length).toBeGreaterThan(10);
    await app.inject({ method: 'GET', url: '/api/v1/providers', headers: { authorization: `Bearer ${secret}`, 'x-request-id': 'key-use' } });
    await app.inject({ method: 'GET', url: '/api/v1/providers/1/calendar.ics?token=caltoken0123456789', headers: { 'x-request-id': 'cal' } });
    app.log.info({ key: 'bk_logged_by_mistake', webhook: { secret: 'whsec_logged_by_mistake' } }, 'a careless line');
    await log.waitFor((l) => l.request_id === 'key-use');
    const cal = await log.waitFor((l) => l.request_id === 'cal' && l.msg === 'request completed');
    expect(cal.url).toBe('/api/v1/providers/1/calendar.ics?token=%5BRedacted%5D');
    for (const leaked of [TEST_ADMIN_KEY, secret, 'caltoken0123456789', 'bk_logged_by_mistake', 'whsec_logged_by_mistake']) {
      expect(log.raw).not.toContain(leaked);
    }
    expect(log.raw).not.toMatch(/authorization/i);
    expect(log.lines.find((l) => l.msg === 'a careless line')).toMatchObject({ key: '[Redacted]', webhook: { secret: '[Redacted]' } });
  });

  it('hides a calendar token sent under another parameter name, and values shaped like the service secrets', async () => {
    const provider = await app.inject({
      method: 'POST',
      url: '/api/v1/providers',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: { name: 'Logged', email: 'logged@example.com' },
    });
    const token = provider.json().calendar_token as string;
    expect(token).toMatch(/^cal_/);
    const id = provider.json().id as number;
    const urls: [string, string][] = [
      ['as-calendar-token', `/api/v1/providers/${id}/calendar.ics?calendar_token=${token}`],
      ['as-access-token', `/api/v1/providers/${id}/calendar.ics?access_token=${token}`],
      ['as-other-name', `/api/v1/providers/${id}/calendar.ics?t=${token}`],
      ['key-in-query', `/api/v1/providers?x=bk_${'k'.repeat(30)}&apikey=plainsecret123`],
      ['key-in-path', `/api/v1/bk_${'z'.repeat(30)}/providers`],
    ];
    for (const [requestId, url] of urls) await app.inject({ method: 'GET', url, headers: { 'x-request-id': requestId } });
    for (const [requestId] of urls) await log.waitFor((l) => l.request_id === requestId && l.msg === 'request completed');
    for (const leaked of [token, 'plainsecret123', `bk_${'k'.repeat(30)}`, `bk_${'z'.repeat(30)}`]) expect(log.raw).not.toContain(leaked);
    const line = log.lines.find((l) => l.request_id === 'as-access-token');
    expect(line?.url).toBe(`/api/v1/providers/${id}/calendar.ics?access_token=%5BRedacted%5D`);
  });
});

describe('LOG_LEVEL', () => {
  it('silences request lines below the configured level', async () => {
    const service = await createService({ databaseUrl: await freshDatabaseUrl('sqlite') });
    const { app, log } = await appLogging('warn', service);
    try {
      await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'quiet' } });
      app.log.warn('a warning goes through');
      await log.waitFor((l) => l.msg === 'a warning goes through');
      expect(log.lines.filter((l) => l.request_id === 'quiet')).toEqual([]);
      expect(log.lines.every((l) => l.level >= 40)).toBe(true);
    } finally {
      await app.close();
      await service.close();
    }
  });
});

describe('logging helpers', () => {
  it('validates request ids', () => {
    expect(requestIdFrom('req-1.2_3')).toBe('req-1.2_3');
    expect(requestIdFrom(['a', 'b'])).toMatch(UUID);
    expect(requestIdFrom(undefined)).toMatch(UUID);
    expect(requestIdFrom('é')).toMatch(UUID);
  });

  it('redacts secret query parameters only', () => {
    expect(loggableUrl('/a?b=1&token=s3cret&key=k')).toBe('/a?b=1&token=%5BRedacted%5D&key=%5BRedacted%5D');
    expect(loggableUrl('/a?b=1')).toBe('/a?b=1');
    expect(loggableUrl('/a')).toBe('/a');
  });

  it('redacts parameters whose name looks like a secret, and values and path segments shaped like bk_, cal_ or whsec_ secrets', () => {
    for (const name of ['calendar_token', 'access_token', 'API_KEY', 'apikey', 'client_secret', 'password', 'session_id', 'signature']) {
      expect(loggableUrl(`/a?${name}=abc&date=2027-01-01`)).toBe(`/a?${name}=%5BRedacted%5D&date=2027-01-01`);
    }
    expect(loggableUrl('/a?q=cal_0123456789abcdef')).toBe('/a?q=%5BRedacted%5D');
    expect(loggableUrl('/a?q=%62k_0123456789abcdef')).toBe('/a?q=%5BRedacted%5D');
    expect(loggableUrl('/a?whsec_0123456789abcdef')).toBe('/a?%5BRedacted%5D=%5BRedacted%5D');
    expect(loggableUrl('/api/v1/bk_0123456789abcdef/x?limit=5')).toBe('/api/v1/[Redacted]/x?limit=5');
    expect(loggableUrl('/api/v1/bookings?status=cancelled&limit=5')).toBe('/api/v1/bookings?status=cancelled&limit=5');
  });

  it('uses pino-pretty only when asked (NODE_ENV=development), JSON otherwise', () => {
    expect(loggerOptions({ level: 'info', pretty: true })).toMatchObject({ transport: { target: 'pino-pretty' } });
    expect(loggerOptions({ level: 'info' })).not.toHaveProperty('transport');
    expect(loggerOptions({ level: 'debug' })).toMatchObject({ level: 'debug' });
  });
});
