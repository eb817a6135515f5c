import SqliteDatabase from 'better-sqlite3';
import { parseSqliteUrl } from '../../src/adapters/persistence/database';
import { expectErrorShape } from '../http/helpers';
import { createTestApp, TestApp } from '../support/http-harness';

/** SQLite refusing work for a while: its write lock held elsewhere past the busy timeout, or its disk full. */
describe('a SQLite file that cannot take writes for now', () => {
  let t: TestApp;
  let providerId: number;
  let next = 0;

  beforeAll(async () => {
    t = await createTestApp({ dialect: 'sqlite' });
    const provider = await t.app.inject({
      method: 'POST',
      url: '/api/v1/providers',
      headers: t.headers(),
      payload: { name: 'Lab', email: 'lab@example.com' },
    });
    providerId = provider.json().id;
  });
  afterAll(() => t.close());

  /** Books slot `n` (a slot of its own) with an Idempotency-Key of its own. */
  const book = (n: number, notes = '') => {
    const at = n * 15;
    const time = `${String(Math.floor(at / 60) % 24).padStart(2, '0')}:${String(at % 60).padStart(2, '0')}`;
    const day = String(1 + Math.floor(at / 1_440)).padStart(2, '0');
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...t.headers(), 'idempotency-key': `sqlite-${n}` },
      payload: { provider_id: providerId, date: `2027-10-${day}`, time, duration_minutes: 15, notes },
    });
  };
  const read = () => t.app.inject({ method: 'GET', url: `/api/v1/bookings?provider_id=${providerId}&limit=1`, headers: t.headers() });

  it('answers 503 with Retry-After while another process holds the write lock past the busy timeout; the retry books', async () => {
    const n = next++;
    const other = new SqliteDatabase(parseSqliteUrl(t.databaseUrl)!);
    try {
      other.exec('begin immediate');
      const refused = await book(n);
      expectErrorShape(refused, 503, 'UNAVAILABLE');
      expect(refused.headers['retry-after']).toBe('5');
      other.exec('commit');
    } finally {
      other.close();
    }
    // The 503 was not kept for the key: the same request books now.
    expect((await book(n)).statusCode).toBe(201);
  }, 60_000);

  it('answers 503 while the disk is full, keeps serving reads, and books again once there is room', async () => {
    const sqlite = t.service.database.driver.dialect === 'sqlite' ? t.service.database.driver.sqlite : null;
    const pages = Number(sqlite!.pragma('page_count', { simple: true }));
    // SQLite's own cap on the file's size fails writes exactly as a full disk does (SQLITE_FULL).
    sqlite!.pragma(`max_page_count = ${pages}`);
    let full: Awaited<ReturnType<typeof book>> | undefined;
    let refusedAt = -1;
    try {
      for (let i = 0; i < 500 && !full; i++) {
        const n = next++;
        const answer = await book(n, 'x'.repeat(1_000));
        if (answer.statusCode === 201) continue;
        full = answer;
        refusedAt = n;
      }
      expect(full).toBeDefined();
      expectErrorShape(full!, 503, 'UNAVAILABLE');
      expect(full!.headers['retry-after']).toBe('5');
      expect((await read()).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    } finally {
      sqlite!.pragma('max_page_count = 4294967294');
    }
    expect((await book(refusedAt, 'x'.repeat(1_000))).statusCode).toBe(201);
    expect(String(sqlite!.pragma('integrity_check', { simple: true }))).toBe('ok');
  }, 60_000);
});
