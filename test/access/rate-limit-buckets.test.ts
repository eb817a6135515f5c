import { DIALECTS } from '../support/databases';
import { freePort } from '../support/embedded-postgres';
import { createTestApp, TestApp } from '../support/http-harness';

describe.each(DIALECTS)('calendar subscribers and the per-address budget on %s', (dialect) => {
  let t: TestApp;
  let provider: { id: number; calendar_token: string };
  let other: { id: number; calendar_token: string };
  const address = '10.20.30.40';

  beforeAll(async () => {
    t = await createTestApp({ dialect, env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' } });
    const create = (email: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/providers', headers: t.headers(), payload: { name: 'Feed', email } }).then((r) => r.json());
    provider = await create(`feed-${dialect}@example.com`);
    other = await create(`feed2-${dialect}@example.com`);
  });
  afterAll(() => t.close());

  const feed = (id: number, token: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/providers/${id}/calendar.ics?token=${encodeURIComponent(token)}`, remoteAddress: address });

  it('serves a valid feed token after junk from the same address has used up its budget', async () => {
    const junk: number[] = [];
    for (let i = 0; i < 7; i++) junk.push((await t.app.inject({ method: 'GET', url: '/api/v1/providers', remoteAddress: address })).statusCode);
    expect(junk.slice(-2)).toEqual([429, 429]);
    const res = await feed(provider.id, provider.calendar_token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
  });

  it('keeps counting a wrong or foreign token against the address, so guessing tokens stays limited', async () => {
    expect((await feed(provider.id, 'cal_guessed0123456789')).statusCode).toBe(429);
    expect((await feed(provider.id, other.calendar_token)).statusCode).toBe(429);
    expect((await feed(999_999, provider.calendar_token)).statusCode).toBe(429);
  });

  it('gives each feed a budget of its own, shared by its subscribers wherever they are', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/providers/${other.id}/calendar.ics?token=${encodeURIComponent(other.calendar_token)}`,
        remoteAddress: `10.99.0.${i}`,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await feed(provider.id, provider.calendar_token)).statusCode).toBe(200);
  });
});

describe('REDIS_URL where no Redis answers', () => {
  it('falls back to per-instance counters instead of lifting the limit', async () => {
    const port = await freePort();
    const t = await createTestApp({
      dialect: 'sqlite',
      env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000', REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await t.app.inject({ method: 'GET', url: '/api/v1/providers', headers: t.headers() })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const anonymous: number[] = [];
      for (let i = 0; i < 4; i++) anonymous.push((await t.app.inject({ method: 'GET', url: '/api/v1/providers', remoteAddress: '10.7.7.7' })).statusCode);
      expect(anonymous).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});
