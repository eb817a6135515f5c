import pg from 'pg';
import { PostgresServer, startEmbeddedPostgresProcess } from '../support/embedded-postgres';
import { TEST_ADMIN_KEY } from '../support/http-harness';
import { queryDatabase, ServerProcess, spawnServer, waitUntilReady } from './support/server-process';

/** One answer as a client saw it; status 0 when no answer came at all. */
interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  body?: any;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const json = text.startsWith('{') ? JSON.parse(text) : undefined;
    return { status: res.status, code: json?.code, retryAfter: res.headers.get('retry-after'), body: json };
  } catch {
    return { status: 0, retryAfter: null };
  }
}

/** A booking request whose slot belongs to `n` alone, so only the database's state can refuse it. */
function bookingFor(providerId: number, n: number) {
  const day = 1 + (n % 28);
  const slot = Math.floor(n / 28);
  const minute = 6 * 60 + slot * 15;
  return {
    provider_id: providerId,
    date: `2027-11-${String(day).padStart(2, '0')}`,
    time: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`,
    duration_minutes: 15,
    customer_name: `request-${n}`,
  };
}

function expectUnavailable(answer: Answer): void {
  expect(answer).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryAfter: '5' });
}

/**
 * A PostgreSQL server of this file's own (the suite's shared one must stay up for the other files), under one
 * server process: its connections are terminated, then the whole server is stopped and started again.
 */
describe('a server process while its PostgreSQL goes away and comes back', () => {
  let postgres: PostgresServer;
  let databaseUrl: string;
  let server: ServerProcess;
  let providerId: number;
  /** How the server process ended, with the end of its output, if it ended before the tests were done. */
  let exitedEarly: string | undefined;
  let next = 0;

  beforeAll(async () => {
    postgres = await startEmbeddedPostgresProcess();
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query('create database outage');
    await admin.end();
    const url = new URL(postgres.adminUrl);
    url.pathname = '/outage';
    databaseUrl = url.toString();
    server = await spawnServer(databaseUrl, { LOG_LEVEL: 'warn' });
    void server.exited.then((how) => (exitedEarly = `${how}\n${server.output().slice(-4_000)}`));
    await waitUntilReady(server);
    const provider = await call(server.url, 'POST', '/api/v1/providers', { name: 'Outage', email: 'outage@example.com' });
    expect(provider.status).toBe(201);
    providerId = provider.body.id;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await postgres?.stop();
  }, 60_000);

  /** Books fresh slots with an Idempotency-Key each, from `workers` clients at once, until `until` says stop. */
  async function load(workers: number, until: () => boolean, answers: Map<number, Answer>): Promise<void> {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = 0; i < 2_000 && !until(); i++) {
          const n = next++;
          const answer = await call(server.url, 'POST', '/api/v1/bookings', bookingFor(providerId, n), { 'idempotency-key': `outage-${n}` });
          answers.set(n, answer);
          if (answer.status !== 201) await sleep(20);
        }
      }),
    );
  }

  /**
   * Sends again every booking request that was answered 503, as a client honouring Retry-After would: a 503 is not
   * kept for its Idempotency-Key, so the retry books (or, while a claim of the lost attempt is still held, is told
   * IDEMPOTENCY_KEY_IN_USE), and never replays the 503.
   */
  async function retryUnavailable(answers: Map<number, Answer>): Promise<number> {
    const failed = [...answers].filter(([, a]) => a.status === 503).map(([n]) => n);
    await Promise.all(
      failed.map(async (n) => {
        const answer = await call(server.url, 'POST', '/api/v1/bookings', bookingFor(providerId, n), { 'idempotency-key': `outage-${n}` });
        if (answer.status === 409) expect(answer.code).toBe('IDEMPOTENCY_KEY_IN_USE');
        else expect([n, answer.status]).toEqual([n, 201]);
        answers.set(n, answer);
      }),
    );
    return failed.length;
  }

  /** Every acknowledged booking is stored exactly once, and no request made more than one booking. */
  async function expectAcknowledgedStoredOnce(answers: Map<number, Answer>): Promise<void> {
    const rows = await queryDatabase<{ id: number; customer_name: string }>(
      databaseUrl,
      `select id, customer_name from bookings where provider_id = ${providerId}`,
    );
    const byName = new Map<string, number[]>();
    for (const row of rows) byName.set(row.customer_name, [...(byName.get(row.customer_name) ?? []), Number(row.id)]);
    for (const ids of byName.values()) expect(ids).toHaveLength(1);
    for (const [n, answer] of answers) {
      if (answer.status === 201) expect([n, byName.get(`request-${n}`)]).toEqual([n, [answer.body.id]]);
    }
  }

  it('keeps serving while its connections are terminated under load: 2xx or 503, never a 500 or a crash', async () => {
    const answers = new Map<number, Answer>();
    const reads: Answer[] = [];
    let terminated = 0;
    let done = false;
    const killer = (async () => {
      const admin = new pg.Client({ connectionString: postgres.adminUrl });
      await admin.connect();
      try {
        for (let round = 0; round < 30; round++) {
          const result = await admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity where datname = 'outage' and pid <> pg_backend_pid()`,
          );
          terminated += result.rowCount ?? 0;
          await sleep(100);
        }
      } finally {
        await admin.end();
        done = true;
      }
    })();
    const readers = Promise.all(
      Array.from({ length: 2 }, async () => {
        while (!done) reads.push(await call(server.url, 'GET', `/api/v1/bookings?provider_id=${providerId}&limit=20`));
      }),
    );
    await Promise.all([killer, readers, load(6, () => done, answers)]);

    expect(exitedEarly).toBeUndefined();
    expect(terminated).toBeGreaterThan(5);
    const all = [...answers.values(), ...reads];
    for (const answer of all) {
      expect([200, 201, 503]).toContain(answer.status);
      if (answer.status === 503) expectUnavailable(answer);
    }
    expect(all.filter((a) => a.status === 200 || a.status === 201).length).toBeGreaterThan(10);

    // Nothing to recover from: the next requests simply succeed.
    expect((await call(server.url, 'GET', '/ready')).status).toBe(200);
    expect((await call(server.url, 'POST', '/api/v1/bookings', bookingFor(providerId, next++))).status).toBe(201);
    await retryUnavailable(answers);
    await expectAcknowledgedStoredOnce(answers);
  }, 120_000);

  it('answers 503 with Retry-After while PostgreSQL is stopped, and recovers by itself once it is back', async () => {
    const answers = new Map<number, Answer>();
    let phase = 'up' as 'up' | 'down' | 'back';
    const duringOutage: Answer[] = [];
    let stop = false;
    const loading = load(4, () => stop, answers);
    const watching = (async () => {
      while (!stop) {
        const ready = await call(server.url, 'GET', '/ready');
        if (phase === 'down') duringOutage.push(ready);
        await sleep(50);
      }
    })();
    try {
      const warmUp = Date.now() + 30_000;
      while ([...answers.values()].filter((a) => a.status === 201).length < 20 && exitedEarly === undefined && Date.now() < warmUp) await sleep(20);
      expect(exitedEarly).toBeUndefined();

      await postgres.halt();
      phase = 'down';
      const sentWhileDown = next;
      await sleep(3_000);
      const downAnswers = [...answers].filter(([n]) => n >= sentWhileDown).map(([, a]) => a);
      expect(downAnswers.length).toBeGreaterThan(10);
      for (const answer of downAnswers) expectUnavailable(answer);
      const listed = await call(server.url, 'GET', `/api/v1/bookings?provider_id=${providerId}`);
      expectUnavailable(listed);
      expect(duringOutage.length).toBeGreaterThan(5);
      for (const ready of duringOutage) expectUnavailable(ready);
      expect(exitedEarly).toBeUndefined();

      await postgres.resume();
      phase = 'back';
      const resumedAt = next;
      const deadline = Date.now() + 60_000;
      while ((await call(server.url, 'GET', '/ready')).status !== 200 && Date.now() < deadline) await sleep(100);
      expect((await call(server.url, 'GET', '/ready')).status).toBe(200);
      while (![...answers].some(([n, a]) => n >= resumedAt && a.status === 201) && Date.now() < deadline) await sleep(50);
    } finally {
      stop = true;
      await Promise.all([loading, watching]);
    }

    expect(exitedEarly).toBeUndefined();
    for (const answer of answers.values()) {
      expect([201, 503]).toContain(answer.status);
      if (answer.status === 503) expectUnavailable(answer);
    }
    expect((await call(server.url, 'POST', '/api/v1/bookings', bookingFor(providerId, next++))).status).toBe(201);
    expect((await call(server.url, 'GET', `/api/v1/bookings?provider_id=${providerId}&limit=5`)).status).toBe(200);
    expect(await retryUnavailable(answers)).toBeGreaterThan(10);
    await expectAcknowledgedStoredOnce(answers);
  }, 180_000);
});
