import net from 'node:net';
import { createTestApp, TestApp } from '../support/http-harness';

// The connection-level behaviour does not depend on the database: these run on SQLite only.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or `fallback` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface RawConnection {
  socket: net.Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves with the milliseconds since connecting once the server ended the connection (FIN or reset). */
  ended: Promise<number>;
  isEnded(): boolean;
}

const opened: net.Socket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
});

async function connect(t: TestApp): Promise<RawConnection> {
  const { port } = t.app.server.address() as net.AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  opened.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const openedAt = Date.now();
  let text = '';
  let ended = false;
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const endedPromise = new Promise<number>((resolve) => {
    const done = () => {
      ended = true;
      resolve(Date.now() - openedAt);
    };
    socket.once('end', done);
    socket.once('close', done);
  });
  return { socket, received: () => text, ended: endedPromise, isEnded: () => ended };
}

/** Writes `chunk` every `everyMs` until the server ends the connection or `forMs` have passed. */
async function trickle(conn: RawConnection, chunk: (i: number) => string, everyMs: number, forMs: number): Promise<void> {
  const deadline = Date.now() + forMs;
  for (let i = 0; !conn.isEnded() && !conn.socket.destroyed && Date.now() < deadline; i++) {
    conn.socket.write(chunk(i));
    await sleep(everyMs);
  }
}

/** The first response on the connection: status, lower-cased headers and JSON body. */
function firstResponse(raw: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const headEnd = raw.indexOf('\r\n\r\n');
  expect(headEnd).toBeGreaterThan(0);
  const [statusLine, ...lines] = raw.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length']);
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(raw.slice(headEnd + 4, headEnd + 4 + length)) };
}

function expectErrorBody(body: Record<string, unknown>, code: string): void {
  expect(Object.keys(body).every((k) => ['error', 'code', 'details'].includes(k))).toBe(true);
  expect(typeof body.error).toBe('string');
  expect(body.code).toBe(code);
}

async function listeningApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestApp({ dialect: 'sqlite', env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return t;
}

const bookingHead = (headers: string, length: number) =>
  `POST /api/v1/bookings HTTP/1.1\r\nHost: test\r\n${headers}Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('the request deadline (REQUEST_TIMEOUT_MS=1000)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await listeningApp({ REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(() => t.close());

  it('cuts off a body sent a byte at a time, answering 408 in the error shape', async () => {
    const conn = await connect(t);
    conn.socket.write(bookingHead(`Authorization: Bearer ${t.adminKey}\r\n`, 500) + '{');
    void trickle(conn, () => ' ', 100, 15_000);
    const endedAfter = await within(conn.ended, 10_000, -1);
    expect(endedAfter).toBeGreaterThanOrEqual(900);
    const res = firstResponse(conn.received());
    expect(res.status).toBe(408);
    expect(res.headers.connection).toBe('close');
    expectErrorBody(res.body, 'VALIDATION_ERROR');
  });

  it('cuts off headers sent a line at a time (a header flood)', async () => {
    const conn = await connect(t);
    conn.socket.write('GET /api/v1/providers HTTP/1.1\r\nHost: test\r\n');
    void trickle(conn, (i) => `X-Pad-${i}: ${'y'.repeat(20)}\r\n`, 50, 15_000);
    const endedAfter = await within(conn.ended, 10_000, -1);
    expect(endedAfter).toBeGreaterThanOrEqual(900);
    const res = firstResponse(conn.received());
    expect(res.status).toBe(408);
    expectErrorBody(res.body, 'VALIDATION_ERROR');
  });

  it('cuts off a connection that never sends a request', async () => {
    const conn = await connect(t);
    const endedAfter = await within(conn.ended, 10_000, -1);
    expect(endedAfter).toBeGreaterThanOrEqual(900);
  });

  it('keeps answering /health while 30 slow bodies are under way, and cuts every one of them off', async () => {
    const conns = await Promise.all(Array.from({ length: 30 }, () => connect(t)));
    for (const conn of conns) {
      conn.socket.write(bookingHead(`Authorization: Bearer ${t.adminKey}\r\n`, 500) + '{');
      void trickle(conn, () => ' ', 200, 15_000);
    }
    const health = await fetch(`http://127.0.0.1:${(t.app.server.address() as net.AddressInfo).port}/health`);
    expect(health.status).toBe(200);
    const ended = await within<number[] | null>(Promise.all(conns.map((c) => c.ended)), 12_000, null);
    expect(ended).not.toBeNull();
    expect(Math.min(...ended!)).toBeGreaterThanOrEqual(900);
  });
});

describe('a shutdown and a slow body', () => {
  it('ends a connection whose body has not arrived once the deadline has passed, so close() returns', async () => {
    const t = await listeningApp({ REQUEST_TIMEOUT_MS: '1000' });
    const conn = await connect(t);
    conn.socket.write(bookingHead(`Authorization: Bearer ${t.adminKey}\r\n`, 500) + '{');
    void trickle(conn, () => ' ', 100, 15_000);
    await sleep(200);
    const closed = await within(t.app.close().then(() => true), 10_000, false);
    expect(closed).toBe(true);
    expect(await within(conn.ended, 2000, -1)).toBeGreaterThan(0);
    await t.service.close();
  });
});

describe('refusals decided before the body is read (default deadline of 30 s)', () => {
  let t: TestApp;
  let clientKey: string;
  beforeAll(async () => {
    t = await listeningApp();
    clientKey = (
      await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.headers(), payload: { name: 'slow client', role: 'client' } })
    ).json().key;
  });
  afterAll(() => t.close());

  const cases: [string, number, string, () => string][] = [
    ['no API key', 401, 'UNAUTHENTICATED', () => bookingHead('', 1000)],
    ['a client key on an admin route', 403, 'FORBIDDEN', () =>
      `POST /api/v1/providers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${clientKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`],
    ['a Content-Length over the limit', 413, 'PAYLOAD_TOO_LARGE', () => bookingHead(`Authorization: Bearer ${t.adminKey}\r\n`, 200_000)],
    ['a body that is not JSON', 415, 'UNSUPPORTED_MEDIA_TYPE', () =>
      `POST /api/v1/bookings HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n`],
    ['an unknown route', 404, 'NOT_FOUND', () => `POST /api/v1/nowhere HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`],
  ];

  it.each(cases)('answers %s (%i) at once, says Connection: close and ends the connection while the body trickles', async (_name, status, code, head) => {
    const conn = await connect(t);
    conn.socket.write(head() + '{');
    void trickle(conn, () => ' ', 100, 15_000);
    const endedAfter = await within(conn.ended, 6000, -1);
    expect(endedAfter).toBeGreaterThan(0);
    const res = firstResponse(conn.received());
    expect(res.status).toBe(status);
    expect(res.headers.connection).toBe('close');
    expectErrorBody(res.body, code);
  });

  it('keeps the connection open after a refusal of a body that had fully arrived', async () => {
    const conn = await connect(t);
    const body = '{"provider_id": 1}';
    conn.socket.write(bookingHead(`Authorization: Bearer ${t.adminKey}\r\n`, body.length) + body);
    await sleep(500);
    expect(firstResponse(conn.received()).status).toBe(400);
    expect(firstResponse(conn.received()).headers.connection).toBe('keep-alive');
    expect(conn.isEnded()).toBe(false);
  });
});

describe('connection-level errors in the error shape', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await listeningApp();
  });
  afterAll(() => t.close());

  it('answers headers over the size limit with 431 VALIDATION_ERROR, echoing nothing', async () => {
    const conn = await connect(t);
    conn.socket.write(`GET /health HTTP/1.1\r\nHost: test\r\nX-Big: ${'q'.repeat(20_000)}\r\n\r\n`);
    await within(conn.ended, 5000, -1);
    const res = firstResponse(conn.received());
    expect(res.status).toBe(431);
    expectErrorBody(res.body, 'VALIDATION_ERROR');
    expect(conn.received()).not.toContain('qqqq');
  });

  it('answers malformed HTTP with 400 VALIDATION_ERROR', async () => {
    const conn = await connect(t);
    conn.socket.write('HELLO /<script> WORLD\r\n\r\n');
    await within(conn.ended, 5000, -1);
    const res = firstResponse(conn.received());
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 'VALIDATION_ERROR');
    expect(conn.received()).not.toContain('script');
  });

  it('lets a complete request keep its own answer when malformed bytes follow it, then closes', async () => {
    const conn = await connect(t);
    conn.socket.write(`GET /api/v1/providers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${t.adminKey}\r\n\r\n{"not": "a request"}`);
    expect(await within(conn.ended, 5000, -1)).toBeGreaterThan(0);
    const res = firstResponse(conn.received());
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(conn.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it('answers a path parameter over 100 characters with 414 VALIDATION_ERROR, echoing nothing', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/providers/${'7'.repeat(150)}`, headers: t.headers() });
    expect(res.statusCode).toBe(414);
    expectErrorBody(res.json(), 'VALIDATION_ERROR');
    expect(res.body).not.toContain('7777');
  });

  it('answers a request that arrives while the server closes with 503 UNAVAILABLE and Retry-After', async () => {
    const closing = await listeningApp();
    const conn = await connect(closing);
    const body = JSON.stringify({ name: 'Closing', email: 'closing@example.com' });
    const auth = `Authorization: Bearer ${closing.adminKey}\r\n`;
    // The first request is under way when the server starts closing; the second one follows it on the same connection.
    conn.socket.write(`POST /api/v1/providers HTTP/1.1\r\nHost: test\r\n${auth}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await sleep(200);
    const closed = closing.app.close();
    await sleep(100);
    conn.socket.write(`${body.slice(5)}GET /api/v1/providers HTTP/1.1\r\nHost: test\r\n${auth}\r\n`);
    await closed;
    await closing.service.close();
    await within(conn.ended, 5000, -1);
    const raw = conn.received();
    expect(firstResponse(raw).status).toBe(201);
    const second = firstResponse(raw.slice(raw.indexOf('HTTP/1.1', 10)));
    expect(second.status).toBe(503);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    expect(second.body).toEqual({ error: expect.any(String), code: 'UNAVAILABLE' });
    expect(second.headers['x-content-type-options']).toBe('nosniff');
  });
});
