import { HttpAppOptions } from '../../src/adapters/http/app';
import { createHttpApp } from '../../src/http-server';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (samples only; HELP and TYPE lines are checked apart). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`; 0 when there is none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe.each(DIALECTS)('GET /metrics on %s', (dialect) => {
  let t: TestApp;
  let providerId: number;

  const scrape = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return parseMetrics(res.body);
  };
  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.headers(), payload: payload as object });

  beforeAll(async () => {
    t = await createTestApp({ dialect });
    const res = await post('/api/v1/providers', { name: 'Dr. Ada Byron', email: `metrics-${dialect}@example.com` });
    expect(res.statusCode).toBe(201);
    providerId = res.json().id;
  });
  afterAll(() => t.close());

  it('answers without an API key in the Prometheus text format, with HELP and TYPE for each metric', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of [
      ['http_requests_total', 'counter'],
      ['http_request_duration_seconds', 'histogram'],
      ['bookings_created_total', 'counter'],
      ['bookings_refused_total', 'counter'],
      ['holds_created_total', 'counter'],
      ['holds_converted_total', 'counter'],
      ['booking_decisions_total', 'counter'],
      ['holds', 'gauge'],
      ['db_pool_connections', 'gauge'],
    ]) {
      expect(res.body).toContain(`# TYPE ${name} ${type}\n`);
      expect(res.body).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    }
    expect(() => parseMetrics(res.body)).not.toThrow();
  });

  it('counts requests and their latency by route pattern and status, never by raw URL', async () => {
    const before = await scrape();
    const route = { method: 'GET', route: '/api/v1/providers/:id' };
    for (const id of [providerId, providerId, 987654]) {
      await t.app.inject({ method: 'GET', url: `/api/v1/providers/${id}`, headers: t.headers() });
    }
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('http_requests_total', { ...route, status_code: '200' })).toBe(2);
    expect(delta('http_requests_total', { ...route, status_code: '404' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { ...route, status_code: '200' })).toBe(2);
    expect(delta('http_request_duration_seconds_bucket', { ...route, status_code: '200', le: '+Inf' })).toBe(2);
    expect(valueOf(after, 'http_request_duration_seconds_sum', { ...route, status_code: '200' })).toBeGreaterThan(0);
    expect(after.filter((s) => /\/\d+(\/|$)/.test(s.labels.route ?? '')).map((s) => s.labels.route)).toEqual([]);
  });

  it('counts unknown URLs under one route label', async () => {
    const before = await scrape();
    await t.app.inject({ method: 'GET', url: '/no/such/path/123', headers: t.headers() });
    await t.app.inject({ method: 'GET', url: '/another/unknown', headers: t.headers() });
    const after = await scrape();
    const labels = { route: 'unmatched', status_code: '404' };
    expect(valueOf(after, 'http_requests_total', labels) - valueOf(before, 'http_requests_total', labels)).toBe(2);
    expect(after.some((s) => (s.labels.route ?? '').includes('/no/such'))).toBe(false);
  });

  it('counts bookings created, and refused by error code, for creations and changes', async () => {
    const before = await scrape();
    const created = await post('/api/v1/bookings', { provider_id: providerId, date: '2027-12-25', time: '14:30' });
    expect(created.statusCode).toBe(201);
    expect((await post('/api/v1/bookings', { provider_id: providerId, date: '2027-12-25', time: '14:30' })).statusCode).toBe(409);
    expect((await post('/api/v1/bookings', { provider_id: providerId, date: '2027-12-25', time: '14:45' })).statusCode).toBe(409);
    expect((await post('/api/v1/bookings', { date: '2027-12-25' })).statusCode).toBe(400);
    expect((await post('/api/v1/bookings', { provider_id: 999999, date: '2027-12-25', time: '09:00' })).statusCode).toBe(404);
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/bookings/${created.json().id}`,
      headers: t.headers(),
      payload: { date: '2020-01-01' },
    });
    expect(moved.statusCode).toBe(422);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('bookings_created_total')).toBe(1);
    expect(delta('bookings_refused_total', { reason: 'SLOT_UNAVAILABLE', operation: 'create' })).toBe(2);
    expect(delta('bookings_refused_total', { reason: 'VALIDATION_ERROR', operation: 'create' })).toBe(1);
    expect(delta('bookings_refused_total', { reason: 'PROVIDER_NOT_FOUND', operation: 'create' })).toBe(1);
    expect(delta('bookings_refused_total', { reason: 'IN_THE_PAST', operation: 'update' })).toBe(1);
    expect(delta('bookings_refused_total')).toBe(5);
  });

  it('counts bookings by kind, holds created, converted and expired, and bookings confirmed and declined', async () => {
    const before = await scrape();
    const second = await post('/api/v1/providers', { name: 'Chair', email: `metrics-chair-${dialect}@example.com` });
    const plain = await post('/api/v1/services', { name: 'Plain', duration_minutes: 30, pools: [[providerId], [second.json().id]] });
    const approval = await post('/api/v1/services', { name: 'Approval', duration_minutes: 30, pools: [[providerId]], requires_confirmation: true });
    expect([plain.statusCode, approval.statusCode]).toEqual([201, 201]);
    const book = async (body: object) => {
      const res = await post('/api/v1/bookings', body);
      expect(res.statusCode).toBe(201);
      return res.json();
    };
    await book({ provider_id: providerId, date: '2027-11-01', time: '09:00' });
    await book({ service_id: plain.json().id, date: '2027-11-01', time: '10:00' });
    const pendingA = await book({ service_id: approval.json().id, date: '2027-11-01', time: '11:00' });
    const pendingB = await book({ service_id: approval.json().id, date: '2027-11-01', time: '12:00' });
    const converted = await post('/api/v1/holds', { service_id: plain.json().id, date: '2027-11-01', time: '13:00' });
    const expiring = await post('/api/v1/holds', { provider_id: providerId, date: '2027-11-01', time: '14:00', ttl_seconds: 30 });
    expect([converted.statusCode, expiring.statusCode]).toEqual([201, 201]);
    await book({ hold_id: converted.json().id });
    expect((await post(`/api/v1/bookings/${pendingA.id}/confirm`, {})).statusCode).toBe(200);
    expect((await post(`/api/v1/bookings/${pendingB.id}/decline`, {})).statusCode).toBe(200);
    expect((await post(`/api/v1/bookings/${pendingB.id}/decline`, {})).statusCode).toBe(409);
    const middle = await scrape();
    t.clock.advance(31_000);
    const after = await scrape();
    const delta = (samples: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels) - valueOf(before, name, labels);
    expect(delta(middle, 'bookings_created_total', { kind: 'provider' })).toBe(1);
    expect(delta(middle, 'bookings_created_total', { kind: 'service' })).toBe(4);
    expect(delta(middle, 'holds_created_total')).toBe(2);
    expect(delta(middle, 'holds_converted_total')).toBe(1);
    expect(delta(middle, 'booking_decisions_total', { decision: 'confirmed' })).toBe(1);
    expect(delta(middle, 'booking_decisions_total', { decision: 'declined' })).toBe(1);
    expect(delta(middle, 'holds', { state: 'live' })).toBe(1);
    expect(delta(middle, 'holds', { state: 'converted' })).toBe(1);
    expect(delta(middle, 'holds', { state: 'expired' })).toBe(0);
    // Expiry writes nothing: the next scrape counts the hold as expired.
    expect(delta(after, 'holds', { state: 'live' })).toBe(0);
    expect(delta(after, 'holds', { state: 'expired' })).toBe(1);
  });

  it('reports the database pool', async () => {
    const samples = await scrape();
    const stats = t.service.database.poolStats();
    expect(valueOf(samples, 'db_pool_connections', { state: 'total' })).toBe(stats.total);
    expect(valueOf(samples, 'db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(valueOf(samples, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'db_pool_connections' && s.labels.state === 'idle')).toBe(true);
  });
});

describe('metrics options', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ dialect: 'sqlite' });
  });
  afterAll(() => t.close());

  const appWith = (http: Pick<HttpAppOptions, 'metrics' | 'outboxStats'>) => createHttpApp(t.service, t.config, { logger: false, http });

  it('exposes the outbox backlog and failures from the callback, read at each scrape', async () => {
    let stats = { pending: 7, retrying: 3, failed: 2 };
    const app = await appWith({ outboxStats: async () => stats });
    try {
      let samples = parseMetrics((await app.inject({ method: 'GET', url: '/metrics' })).body);
      expect(valueOf(samples, 'outbox_messages', { state: 'pending' })).toBe(7);
      expect(valueOf(samples, 'outbox_messages', { state: 'failed' })).toBe(2);
      expect(valueOf(samples, 'outbox_messages', { state: 'retrying' })).toBe(3);
      stats = { pending: 0, retrying: 0, failed: 5 };
      samples = parseMetrics((await app.inject({ method: 'GET', url: '/metrics' })).body);
      expect(valueOf(samples, 'outbox_messages', { state: 'pending' })).toBe(0);
      expect(valueOf(samples, 'outbox_messages', { state: 'failed' })).toBe(5);
    } finally {
      await app.close();
    }
  });

  it('still answers when the outbox callback fails', async () => {
    const app = await appWith({ outboxStats: async () => Promise.reject(new Error('outbox down')) });
    try {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('http_requests_total');
    } finally {
      await app.close();
    }
  });

  it('keeps each app’s counters apart (one registry per app)', async () => {
    const a = await appWith({});
    const b = await appWith({});
    try {
      await a.inject({ method: 'GET', url: '/health' });
      await a.inject({ method: 'GET', url: '/health' });
      const count = async (app: typeof a) =>
        valueOf(parseMetrics((await app.inject({ method: 'GET', url: '/metrics' })).body), 'http_requests_total', { route: '/health' });
      expect(await count(a)).toBe(2);
      expect(await count(b)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('can be turned off', async () => {
    const app = await appWith({ metrics: false });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
