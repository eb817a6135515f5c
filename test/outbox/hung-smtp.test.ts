import { connect, Socket } from 'node:net';
import { loadConfig } from '../../src/adapters/config/config';
import { SmtpMailer } from '../../src/adapters/mail/smtp-mailer';
import { startServer } from '../../src/http-server';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';
import { adminCalls, TEST_ADMIN_KEY, testConfig } from '../support/http-harness';
import { api as httpApi, queryDatabase, ServerProcess, spawnServer, waitUntilReady } from '../e2e/support/server-process';
import { createOutboxApp, MailSink, makeBooking, makeProvider, Receiver, SilentSmtpServer, waitFor } from './support';

const HOUR = 3_600_000;

/** A time slot per index on 2030-12-25, half an hour each from 08:00. */
function slot(i: number): string {
  return `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`;
}

/** How the process ended, or `still running` after 30 s. */
async function exitOf(server: ServerProcess): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running after 30 s'), 30_000)));
  try {
    return await Promise.race([server.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(DIALECTS)('a mail server that accepts and never answers, on %s', (dialect) => {
  let smtp: SilentSmtpServer;

  beforeEach(async () => {
    smtp = await new SilentSmtpServer().start();
  });
  afterEach(() => smtp.stop());

  it('holds only the email lane: webhooks keep arriving promptly while every mail send hangs, and close keeps its deadline', async () => {
    const receiver = await new Receiver().start();
    const config = await testConfig({
      DATABASE_URL: await freshDatabaseUrl(dialect),
      PORT: String(await freePort()),
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      SMTP_URL: smtp.url,
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    const server = await startServer(config, { logger: false });
    let closed = false;
    try {
      const call = adminCalls(server.url);
      expect((await call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['booking.created'] })).status).toBe(201);
      const provider = await call('POST', '/api/v1/providers', { name: 'Dr. Ada Byron', email: 'ada@example.com' });
      // A first wave fills the email lane with sends that hang.
      for (let i = 0; i < 5; i += 1) {
        expect((await call('POST', '/api/v1/bookings', { provider_id: provider.json.id, date: '2030-12-25', time: slot(i), customer_email: `c${i}@example.com` })).status).toBe(201);
      }
      await waitFor(() => smtp.open >= 8, 15_000, 'eight mail sends hanging');
      // Every booking made now adds two emails behind the hanging ones, and one webhook that must not wait for them.
      for (let i = 5; i < 20; i += 1) {
        expect((await call('POST', '/api/v1/bookings', { provider_id: provider.json.id, date: '2030-12-25', time: slot(i), customer_email: `c${i}@example.com` })).status).toBe(201);
      }
      await waitFor(() => receiver.received.length >= 20, 15_000, 'every webhook delivered while the mail server hangs');
      expect(new Set(receiver.eventIds()).size).toBe(20);
      expect(smtp.open).toBeGreaterThan(0);

      const started = Date.now();
      await server.close();
      closed = true;
      // Half of SHUTDOWN_TIMEOUT_MS for the sends in flight, then the pool: well inside a generous margin.
      expect(Date.now() - started).toBeLessThan(2_000 + 5_000);
      const emails = await queryDatabase<{ status: string }>(config.DATABASE_URL, "select status from outbox where channel = 'email'");
      expect(emails).toHaveLength(40);
      expect(emails.every((e) => e.status === 'pending')).toBe(true);
    } finally {
      if (!closed) await server.close();
      await receiver.stop();
    }
  });

  it('stops within its deadline with sends in flight; the item is sent later by another instance, not lost', async () => {
    const t = await createOutboxApp({
      dialect,
      service: {
        // Far longer than the stop's deadline: only the stop can end the wait. (nodemailer keeps its greeting timer
        // after the connection is gone, so a longer one would only keep jest waiting at the end.)
        mailer: new SmtpMailer(smtp.url, 'bookings@clinic.example', { greetingTimeoutMs: 8_000 }),
        dispatcher: { random: () => 0.5, stopTimeoutMs: 500, pollIntervalMs: 50 },
      },
    });
    const sink = await new MailSink().start();
    let other: Awaited<ReturnType<typeof createOutboxApp>> | null = null;
    try {
      const provider = await makeProvider(t);
      await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
      t.service.dispatcher.start();
      await waitFor(() => smtp.open >= 1, 15_000, 'a mail send hanging');

      const started = Date.now();
      await t.service.dispatcher.stop();
      expect(Date.now() - started).toBeLessThan(500 + 4_000);
      const [row] = await queryDatabase<{ status: string; attempts: number | string }>(t.databaseUrl, "select status, attempts from outbox where channel = 'email'");
      expect(row.status).toBe('pending');
      expect(Number(row.attempts)).toBe(0);

      // Another instance takes the item once the claim of the stopped one has run out.
      other = await createOutboxApp({ dialect, databaseUrl: t.databaseUrl, clock: t.clock, env: { SMTP_URL: sink.url } });
      expect((await other.service.dispatcher.runOnce()).attempted).toBe(0);
      t.clock.advance(60_000);
      expect(await other.service.dispatcher.runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
      expect(sink.messages.map((m) => m.to)).toEqual([[provider.email]]);
      t.clock.advance(HOUR);
      expect((await other.service.dispatcher.runOnce()).attempted).toBe(0);
    } finally {
      await other?.close();
      await t.close();
      await sink.stop();
    }
  });

  it('a server process given SIGTERM exits within SHUTDOWN_TIMEOUT_MS while mail sends hang; the mail stays pending', async () => {
    const databaseUrl = await freshDatabaseUrl(dialect);
    const server = await spawnServer(databaseUrl, { SMTP_URL: smtp.url, SHUTDOWN_TIMEOUT_MS: '3000', LOG_LEVEL: 'warn' });
    try {
      await waitUntilReady(server);
      const provider = await httpApi(server.url, 'POST', '/api/v1/providers', { name: 'Dr. Ada Byron', email: 'ada@example.com' });
      for (let i = 0; i < 3; i += 1) {
        const booking = await httpApi(server.url, 'POST', '/api/v1/bookings', { provider_id: provider.body.id, date: '2030-12-25', time: slot(i), customer_email: `c${i}@example.com` });
        expect(booking.status).toBe(201);
      }
      await waitFor(() => smtp.open >= 1, 15_000, 'a mail send hanging');

      const started = Date.now();
      server.child.kill('SIGTERM');
      const how = await exitOf(server);
      const elapsed = Date.now() - started;
      expect({ how, output: how === 0 ? '' : server.output() }).toEqual({ how: 0, output: '' });
      expect(elapsed).toBeLessThan(3_000 + 5_000);
      const emails = await queryDatabase<{ status: string }>(databaseUrl, "select status from outbox where channel = 'email'");
      expect(emails).toHaveLength(6);
      expect(emails.every((e) => e.status === 'pending')).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('the shutdown deadline', () => {
  it('ends a server process whose close cannot finish: a request that never completes is cut off, exit code 1', async () => {
    const server = await spawnServer(await freshDatabaseUrl('sqlite'), { SHUTDOWN_TIMEOUT_MS: '2000', LOG_LEVEL: 'error' });
    let socket: Socket | null = null;
    try {
      await waitUntilReady(server);
      socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket!.once('connect', resolve));
      // Headers and the start of a body that never ends: the request stays in flight, and closing waits for it.
      socket.write(`POST /api/v1/providers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      server.child.kill('SIGTERM');
      const how = await exitOf(server);
      expect(how).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(Date.now() - started).toBeLessThan(2_000 + 5_000);
      expect(server.output()).toContain('shutdown deadline passed');
    } finally {
      socket?.destroy();
      await server.stop();
    }
  });

  it('SHUTDOWN_TIMEOUT_MS and MAIL_PER_RECIPIENT_PER_HOUR are validated like every other variable', async () => {
    expect(await loadConfig({})).toMatchObject({ SHUTDOWN_TIMEOUT_MS: 10_000, MAIL_PER_RECIPIENT_PER_HOUR: 10 });
    expect(await loadConfig({ SHUTDOWN_TIMEOUT_MS: '30000', MAIL_PER_RECIPIENT_PER_HOUR: '3' })).toMatchObject({
      SHUTDOWN_TIMEOUT_MS: 30_000,
      MAIL_PER_RECIPIENT_PER_HOUR: 3,
    });
    for (const bad of [{ SHUTDOWN_TIMEOUT_MS: '999' }, { SHUTDOWN_TIMEOUT_MS: 'soon' }, { SHUTDOWN_TIMEOUT_MS: '600001' }, { MAIL_PER_RECIPIENT_PER_HOUR: '0' }, { MAIL_PER_RECIPIENT_PER_HOUR: '1.5' }]) {
      await expect(loadConfig(bad)).rejects.toThrow(new RegExp(Object.keys(bad)[0]));
    }
  });
});
