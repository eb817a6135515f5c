import { request } from 'node:http';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { TEST_ADMIN_KEY } from '../support/http-harness';
import { api, queryDatabase, ServerProcess, spawnServer, startServers, waitUntilReady } from './support/server-process';

interface Pending {
  /** Sends the rest of the body. */
  finish(): void;
  response: Promise<{ status: number; body: any }>;
}

/** Starts a POST whose headers and first half of the body are on the wire; the rest waits for `finish`. */
function startSlowPost(base: string, path: string, body: unknown): Promise<Pending> {
  const text = JSON.stringify(body);
  const half = Math.floor(text.length / 2);
  const url = new URL(path, base);
  return new Promise((resolveStarted, rejectStarted) => {
    let resolveResponse!: (value: { status: number; body: any }) => void;
    let rejectResponse!: (error: Error) => void;
    const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
      resolveResponse = resolve;
      rejectResponse = reject;
    });
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : null }));
        res.on('error', rejectResponse);
      },
    );
    req.on('error', (error) => {
      rejectStarted(error);
      rejectResponse(error);
    });
    req.flushHeaders();
    req.write(text.slice(0, half), () => resolveStarted({ finish: () => req.end(text.slice(half)), response }));
  });
}

describe.each(DIALECTS)('server process lifecycle on %s', (dialect) => {
  const spawned: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(spawned.map((s) => s.stop()));
  });

  it('answers /ready after start, with migrations applied, and serves the API', async () => {
    const databaseUrl = await freshDatabaseUrl(dialect);
    const [server] = await startServers(databaseUrl, 1);
    spawned.push(server);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const provider = await api(server.url, 'POST', '/api/v1/providers', { name: 'Start', email: 'start@example.com' });
    expect(provider.status).toBe(201);
    const tables = await queryDatabase<{ n: number }>(databaseUrl, 'select count(*) as n from providers');
    expect(Number(tables[0].n)).toBe(1);
  });

  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const databaseUrl = await freshDatabaseUrl(dialect);
    const server = await spawnServer(databaseUrl);
    spawned.push(server);
    await waitUntilReady(server);
    const provider = await api(server.url, 'POST', '/api/v1/providers', { name: 'Slow', email: 'slow@example.com' });

    // Three requests whose bodies are only half sent: the server has them in hand but cannot answer yet.
    const pending = await Promise.all(
      ['09:00', '10:00', '11:00'].map((time) =>
        startSlowPost(server.url, '/api/v1/bookings', { provider_id: provider.body.id, date: '2027-12-25', time, notes: 'in flight' }),
      ),
    );
    // A full round trip after the partial requests: by now the server has read their headers.
    expect((await fetch(`${server.url}/health`, { headers: { connection: 'close' } })).status).toBe(200);

    server.child.kill('SIGTERM');
    // New connections are refused (or answered 503) while the old ones finish.
    let refusedOrUnavailable = false;
    for (let i = 0; i < 1500 && !refusedOrUnavailable; i++) {
      try {
        const res = await fetch(`${server.url}/health`, { headers: { connection: 'close' } });
        refusedOrUnavailable = res.status === 503;
      } catch {
        refusedOrUnavailable = true;
      }
      if (!refusedOrUnavailable) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(refusedOrUnavailable).toBe(true);

    for (const p of pending) p.finish();
    const answers = await Promise.all(pending.map((p) => p.response));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(answers.map((a) => a.body.time)).toEqual(['09:00:00', '10:00:00', '11:00:00']);
    expect(await server.exited).toBe(0);

    const rows = await queryDatabase<{ id: number }>(databaseUrl, `select id from bookings where notes = 'in flight' order by id`);
    expect(rows.map((r) => Number(r.id)).sort()).toEqual(answers.map((a) => a.body.id).sort());
  });

  it('exits 0 on SIGTERM when idle', async () => {
    const server = await spawnServer(await freshDatabaseUrl(dialect));
    spawned.push(server);
    await waitUntilReady(server);
    await api(server.url, 'GET', '/api/v1/providers');
    expect(await server.stop()).toBe(0);
  });
});
