import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { queryDatabase } from '../e2e/support/server-process';
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, leafParts, MailSink, makeBooking, makeProvider, parseMime, ReceivedMail } from './support';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli.js');
const HOUR = 3_600_000;
const REASON = 'Not sent: more than 3 emails to this address within 1 hour';

function slot(i: number): string {
  return `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`;
}

/** The header block of a raw message, as the lines a mail client reads. */
function headerLines(raw: string): string[] {
  return raw.slice(0, raw.search(/\r?\n\r?\n/)).split(/\r?\n/);
}

function textOf(mail: ReceivedMail): string {
  return leafParts(parseMime(mail.raw)).find((p) => /^text\/plain/.test(p.headers['content-type'] ?? ''))?.body ?? '';
}

function htmlOf(mail: ReceivedMail): string {
  return leafParts(parseMime(mail.raw)).find((p) => /^text\/html/.test(p.headers['content-type'] ?? ''))?.body ?? '';
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Values the API now refuses (line breaks in names, addresses that look like lists), stored as an older version or a
 * direct import could have stored them: the email must stay safe whatever the store holds.
 */
async function storeAsOfOld(t: TestApp, booking: Record<string, unknown>, values: { providerName?: string; customer?: Record<string, string> }) {
  if (values.providerName !== undefined) await queryDatabase(t.databaseUrl, `update providers set name = ${quote(values.providerName)} where id = ${Number(booking.provider_id)}`);
  if (!values.customer) return;
  const [event] = await queryDatabase<{ id: number; booking: string }>(t.databaseUrl, `select id, booking from booking_events where booking_id = ${Number(booking.id)} order by id`);
  const view = JSON.stringify({ ...JSON.parse(event.booking), ...values.customer });
  await queryDatabase(t.databaseUrl, `update booking_events set booking = ${quote(view)} where id = ${event.id}`);
  await queryDatabase(t.databaseUrl, `update bookings set view = ${quote(view)} where id = ${Number(booking.id)}`);
}

describe.each(DIALECTS)('booking email that customers and clients try to abuse, on %s', (dialect) => {
  let sink: MailSink;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    sink = await new MailSink().start();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await sink.stop();
  });

  async function instance(options: { databaseUrl?: string; clock?: TestApp['clock'] } = {}): Promise<TestApp & { databaseUrl: string }> {
    const t = await createOutboxApp({
      dialect,
      ...options,
      env: { SMTP_URL: sink.url },
      service: { dispatcher: { random: () => 0.5, mailLimit: { perRecipient: 3, windowMs: HOUR } } },
    });
    apps.push(t);
    return t;
  }

  it('line breaks in names and notes neither reach a header nor fake lines of the message', async () => {
    const t = await instance();
    const providerName = 'Dr. Ada Byron\r\nBcc: provider-copy@evil.example';
    const customerName = 'Grace\r\nBcc: victim@evil.example\u2028Subject: free money';
    // The API refuses line breaks in names...
    expect((await api(t, 'POST', '/api/v1/providers', { name: providerName, email: 'crlf@example.com' })).statusCode).toBe(400);
    const provider = await makeProvider(t);
    const fields = { provider_id: provider.id, date: '2027-12-25', time: '09:00', customer_email: 'grace@example.com' };
    expect((await api(t, 'POST', '/api/v1/bookings', { ...fields, customer_name: customerName })).statusCode).toBe(400);
    // ...but not in notes; and names stored before that rule must not reach a header either.
    const booking = await makeBooking(t, { ...fields, customer_name: 'Grace', notes: 'Ring twice.\r\n\r\nBooking id: 999\nProvider: Mallory\rTime: never' });
    await storeAsOfOld(t, booking, { providerName, customer: { customer_name: customerName } });
    await t.service.dispatcher.runOnce();
    expect(sink.messages.map((m) => m.to).sort()).toEqual([[provider.email], ['grace@example.com']].sort());

    for (const mail of sink.messages) {
      const headers = headerLines(mail.raw);
      expect(headers.filter((line) => /^(bcc|cc|subject|provider|booking id|time):/i.test(line)).map((line) => line.split(':')[0].toLowerCase())).toEqual(['subject']);
      expect(parseMime(mail.raw).headers.subject).toBe('Booking confirmed: Dr. Ada Byron Bcc: provider-copy@evil.example, 2027-12-25 09:00 (UTC)');

      const lines = textOf(mail).split(/\r?\n/);
      expect(lines.filter((line) => line.startsWith('Booking id:'))).toEqual([`Booking id: ${booking.id}`]);
      expect(lines.filter((line) => /^(Bcc|Subject|Provider|Time):/.test(line))).toEqual(['Provider: Dr. Ada Byron Bcc: provider-copy@evil.example', 'Time: 09:00 to 09:30 UTC (UTC+00:00)']);
      expect(lines).toContain('Customer: Grace Bcc: victim@evil.example Subject: free money <grace@example.com>');
      const notes = lines.slice(lines.indexOf('Notes:') + 1, lines.indexOf('', lines.indexOf('Notes:')));
      expect(notes).toEqual(['> Ring twice.', '>', '> Booking id: 999', '> Provider: Mallory', '> Time: never']);
      expect(htmlOf(mail)).toContain('<blockquote>Ring twice.<br><br>Booking id: 999<br>Provider: Mallory<br>Time: never</blockquote>');
    }
    const forCustomer = sink.messages.find((m) => m.to[0] === 'grace@example.com')!;
    expect(textOf(forCustomer).split(/\r?\n/)[0]).toBe('Hello Grace Bcc: victim@evil.example Subject: free money,');
  });

  it('writes the recipient as one mailbox: an address that looks like a list reaches one recipient or none', async () => {
    const t = await instance();
    const provider = await makeProvider(t);
    for (const address of ['victim,grace@example.com', 'victim@evil.example,grace']) {
      expect((await api(t, 'POST', '/api/v1/bookings', { provider_id: provider.id, date: '2027-12-25', time: '11:00', customer_email: address })).statusCode).toBe(400);
    }
    // Stored before the API refused them, they still reach one mailbox or none.
    const first = await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00', customer_email: 'first@example.com' });
    const second = await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00', customer_email: 'second@example.com' });
    await storeAsOfOld(t, first, { customer: { customer_email: 'victim,grace@example.com' } });
    await storeAsOfOld(t, second, { customer: { customer_email: 'victim@evil.example,grace' } });
    await t.service.dispatcher.runOnce();
    const toCustomers = sink.messages.filter((m) => m.to[0] !== provider.email);
    expect(toCustomers.map((m) => m.to)).toEqual([['"victim,grace"@example.com']]);
    expect(headerLines(toCustomers[0].raw).filter((line) => /^to:/i.test(line))).toEqual(['To: "victim,grace"@example.com']);
    // The other is no mailbox at all: the server refuses it, and nothing goes to the address inside it.
    expect(sink.messages.flatMap((m) => m.to)).not.toContain('victim@evil.example');
    expect(await t.service.outboxStats()).toEqual({ pending: 1, retrying: 1, failed: 0 });
  });

  it('sends a stranger at most 3 emails an hour, counted across instances; the rest are recorded as discarded, with the reason', async () => {
    const t = await instance();
    const provider = await makeProvider(t);
    const booking = await makeBooking(t, { provider_id: provider.id, date: '2030-12-25', time: slot(0), customer_email: 'Stranger@Example.com' });
    expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: slot(1) })).statusCode).toBe(200);
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ discarded: 0, delivered: 4 });

    // Nine more moves; another instance fans them out, counting what the first one sent.
    for (let i = 2; i <= 10; i += 1) expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: slot(i) })).statusCode).toBe(200);
    const other = await instance({ databaseUrl: t.databaseUrl, clock: t.clock });
    expect(await other.service.dispatcher.runOnce()).toMatchObject({ discarded: 8, delivered: 10 });
    // The address counts whatever its case.
    await makeBooking(t, { provider_id: provider.id, date: '2030-12-26', time: slot(0), customer_email: 'stranger@example.com' });
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ discarded: 1, delivered: 1 });

    const toStranger = sink.messages.filter((m) => m.to[0].toLowerCase() === 'stranger@example.com');
    expect(toStranger).toHaveLength(3);
    expect(sink.messages.filter((m) => m.to[0] === provider.email)).toHaveLength(12);
    const rows = await queryDatabase<{ status: string; last_error: string | null }>(
      t.databaseUrl,
      "select status, last_error from outbox where target = 'email:customer:stranger@example.com' order by id",
    );
    expect(rows.filter((r) => r.status === 'delivered')).toHaveLength(3);
    expect(rows.filter((r) => r.status === 'discarded')).toEqual(Array(9).fill({ status: 'discarded', last_error: REASON }));
    expect(await t.service.outboxStats()).toEqual({ pending: 0, retrying: 0, failed: 0 });

    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' };
    const status = JSON.parse((await run(process.execPath, [CLI, 'outbox', 'status', '--json'], { env })).stdout);
    expect(status).toEqual({ pending: 0, retrying: 0, failed: 0, discarded: 9, discarded_by_reason: [{ channel: 'email', reason: REASON, count: 9 }] });
    const text = (await run(process.execPath, [CLI, 'outbox', 'status'], { env })).stdout;
    expect(text).toMatch(/^discarded\s+9$/m);
    expect(text).toMatch(new RegExp(`^\\s+9\\s+email\\s+${REASON}$`, 'm'));

    // The window rolls: an hour after the first mails, the address may be mailed again.
    t.clock.advance(HOUR);
    expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: slot(11) })).statusCode).toBe(200);
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ discarded: 0, delivered: 2 });
    expect(sink.messages.filter((m) => m.to[0].toLowerCase() === 'stranger@example.com')).toHaveLength(4);
  });
});
