import { AddressInfo, createServer } from 'node:net';
import { sql } from 'kysely';
import ical, { VEvent } from 'node-ical';
import { loadConfig } from '../../src/adapters/config/config';
import { Logger } from '../../src/application/ports/logger';
import { createService } from '../../src/service';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, Json, MailSink, makeBooking, makeProvider, readMail, ReceivedMail } from './support';

/** The email as read, addressed to its one recipient. */
const read = (mail: ReceivedMail) => ({ ...readMail(mail), to: mail.to[0] });

function eventsOf(calendar: string): { events: VEvent[]; method: string | undefined } {
  const parsed = ical.sync.parseICS(calendar);
  const events = Object.values(parsed).filter((c): c is VEvent => c.type === 'VEVENT');
  return { events, method: (parsed.vcalendar as { method?: string } | undefined)?.method };
}

/** A port nobody listens on right now, for a server to take next. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A logger that keeps every line it is given, as JSON. */
class KeepingLogger implements Logger {
  readonly lines: string[] = [];
  info(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify([obj, msg]));
  }
  warn(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify([obj, msg]));
  }
  error(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify([obj, msg]));
  }
}

const LINK = /https?:\/\/[^\s"<>]+\/manage\/\d+\?token=[^\s"<>]+/g;

describe.each(DIALECTS)('Part 2 email on %s', (dialect) => {
  let sink: MailSink;
  let t: TestApp;

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    t = await createOutboxApp({ dialect, env: { SMTP_URL: sink.url, WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...env } });
    return t;
  }

  async function service(fields: Json): Promise<Json> {
    const res = await api(t, 'POST', '/api/v1/services', { name: 'Cut and colour', duration_minutes: 60, ...fields });
    if (res.statusCode !== 201) throw new Error(`service: ${res.statusCode} ${res.body}`);
    return res.json();
  }

  async function sent(): Promise<ReturnType<typeof read>[]> {
    await t.service.dispatcher.runOnce();
    const mails = sink.messages.map(read);
    sink.messages.length = 0;
    return mails;
  }

  beforeEach(async () => {
    sink = await new MailSink().start();
  });
  afterEach(async () => {
    await t?.close();
    await sink.stop();
  });

  it('mails every chosen provider of a two-pool service and the customer; a provider a reschedule drops gets a cancellation', async () => {
    await start();
    const stylist = await makeProvider(t, { name: 'Stylist Ann' });
    const otherStylist = await makeProvider(t, { name: 'Stylist Bob' });
    const chair = await makeProvider(t, { name: 'Chair 1' });
    const salon = await service({ pools: [[stylist.id, otherStylist.id], [chair.id]] });
    const booking = await makeBooking(t, { service_id: salon.id, date: '2027-12-20', time: '10:00', customer_name: 'Grace', customer_email: 'grace@example.com' });
    expect(booking.provider_ids).toEqual([stylist.id, chair.id]);

    const created = await sent();
    expect(created.map((m) => m.to).sort()).toEqual(['grace@example.com', stylist.email, chair.email].sort());
    for (const mail of created) {
      expect(mail.subject).toContain('Booking confirmed');
      expect(mail.text).toContain('Providers: Stylist Ann, Chair 1');
      const { events, method } = eventsOf(mail.calendar);
      expect(method).toBe('REQUEST');
      expect(events.map((e) => e.uid)).toEqual([`booking-${booking.id}@booking-service`]);
    }
    expect(created.find((m) => m.to === chair.email)!.text).toMatch(/^Hello Chair 1,/);

    // Ann is busy at 11:00: moving there keeps the chair and gives the booking to Bob.
    await makeBooking(t, { provider_id: stylist.id, date: '2027-12-20', time: '11:00', duration_minutes: 60 });
    await sent();
    const moved = await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: '11:00' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().provider_ids).toEqual([otherStylist.id, chair.id]);
    const rescheduled = await sent();
    expect(rescheduled.map((m) => m.to).sort()).toEqual(['grace@example.com', stylist.email, otherStylist.email, chair.email].sort());
    const dropped = rescheduled.find((m) => m.to === stylist.email)!;
    expect(dropped.subject).toContain('Booking reassigned');
    expect(dropped.text).toContain('you no longer have it');
    expect(dropped.calendarType).toMatch(/method=CANCEL/);
    const cancel = eventsOf(dropped.calendar);
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.events[0].status).toBe('CANCELLED');
    expect(cancel.events[0].uid).toBe(`booking-${booking.id}@booking-service`);
    for (const mail of rescheduled.filter((m) => m.to !== stylist.email)) {
      expect(mail.subject).toContain('Booking rescheduled');
      expect(mail.calendarType).toMatch(/method=REQUEST/);
      expect(mail.text).toContain('Providers: Stylist Bob, Chair 1');
    }
  });

  it('tells the customer a pending booking awaits confirmation, then mails the confirmation, and a decline as a cancellation', async () => {
    await start();
    const doctor = await makeProvider(t, { name: 'Dr. Who' });
    const approval = await service({ name: 'New patient', pools: [[doctor.id]], requires_confirmation: true });
    const first = await makeBooking(t, { service_id: approval.id, date: '2027-12-20', time: '10:00', customer_email: 'grace@example.com' });
    const second = await makeBooking(t, { service_id: approval.id, date: '2027-12-20', time: '14:00', customer_email: 'alan@example.com' });
    expect([first.status, second.status]).toEqual(['pending', 'pending']);

    const pending = await sent();
    expect(pending).toHaveLength(4);
    const forGrace = pending.find((m) => m.to === 'grace@example.com')!;
    expect(forGrace.subject).toContain('awaiting confirmation');
    expect(forGrace.subject).not.toContain('Booking confirmed');
    expect(forGrace.text).toContain('awaits confirmation');
    expect(forGrace.text).toContain('Status: awaiting confirmation');
    const tentative = eventsOf(forGrace.calendar);
    expect(tentative.method).toBe('REQUEST');
    expect(tentative.events[0].status).toBe('TENTATIVE');
    expect(pending.find((m) => m.to === doctor.email)!.text).toContain('it awaits confirmation');

    expect((await api(t, 'POST', `/api/v1/bookings/${first.id}/confirm`)).statusCode).toBe(200);
    expect((await api(t, 'POST', `/api/v1/bookings/${second.id}/decline`)).statusCode).toBe(200);
    const decided = await sent();
    expect(decided.map((m) => m.to).sort()).toEqual(['alan@example.com', 'grace@example.com', doctor.email, doctor.email].sort());
    const confirmed = decided.find((m) => m.to === 'grace@example.com')!;
    expect(confirmed.subject).toContain('Booking confirmed');
    expect(confirmed.text).toContain('is confirmed');
    const request = eventsOf(confirmed.calendar);
    expect(request.method).toBe('REQUEST');
    expect(request.events[0].status).toBe('CONFIRMED');
    expect(Number(request.events[0].sequence)).toBe(2);
    for (const declined of decided.filter((m) => m.to === 'alan@example.com' || m.text.includes('declined'))) {
      expect(declined.subject).toContain('Booking declined');
      expect(declined.calendarType).toMatch(/method=CANCEL/);
      const cancel = eventsOf(declined.calendar);
      expect(cancel.method).toBe('CANCEL');
      expect(cancel.events[0].status).toBe('CANCELLED');
      expect(cancel.events[0].uid).toBe(`booking-${second.id}@booking-service`);
    }
    expect(decided.filter((m) => m.subject.includes('Booking declined')).map((m) => m.to).sort()).toEqual(['alan@example.com', doctor.email].sort());
  });

  it('with PUBLIC_URL, every customer email links to a working manage page; providers get no link; nothing stores or logs the token', async () => {
    const port = await freePort();
    const logger = new KeepingLogger();
    t = await createOutboxApp({
      dialect,
      env: { SMTP_URL: sink.url, PUBLIC_URL: `http://127.0.0.1:${port}/` },
      service: { logger },
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    const provider = await makeProvider(t, { name: 'Dr. Ada Byron' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...t.headers(), 'idempotency-key': 'first-try' },
      payload: { provider_id: provider.id, date: '2027-12-20', time: '10:00', customer_email: 'grace@example.com' },
    });
    expect(res.statusCode).toBe(201);
    const booking = res.json();
    const token = booking.manage_token as string;
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...t.headers(), 'idempotency-key': 'first-try' },
      payload: { provider_id: provider.id, date: '2027-12-20', time: '10:00', customer_email: 'grace@example.com' },
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(booking);

    const created = await sent();
    const forCustomer = created.find((m) => m.to === 'grace@example.com')!;
    const link = `http://127.0.0.1:${port}/manage/${booking.id}?token=${token}`;
    expect(forCustomer.text.match(LINK)).toEqual([link]);
    expect(forCustomer.html).toContain(`href="${link}"`);
    const forProvider = created.find((m) => m.to === provider.email)!;
    expect(forProvider.text).not.toMatch(LINK);
    expect(forProvider.html).not.toContain('/manage/');
    expect(forProvider.text + forProvider.html + forProvider.calendar).not.toContain(token);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Dr. Ada Byron');
    const wrong = await fetch(link.replace(/token=.*/, 'token=mt_wrong'));
    expect(wrong.status).toBe(404);

    // The link works for later messages too: a move, mailed after the request, links the same page.
    expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: '11:00' })).statusCode).toBe(200);
    const moved = await sent();
    expect(moved.find((m) => m.to === 'grace@example.com')!.text.match(LINK)).toEqual([link]);
    expect(moved.find((m) => m.to === provider.email)!.text).not.toMatch(LINK);

    // The token is in no table and in no line of the log.
    const q = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(t.service.database.db)).rows;
    for (const table of ['bookings', 'booking_events', 'outbox', 'outbox_attempts', 'idempotency_keys', 'service_keys']) {
      const rows = await q(`select * from ${table}`);
      if (table === 'outbox' || table === 'idempotency_keys' || table === 'bookings') expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(JSON.stringify(rows)).not.toContain(token.slice(3));
    }
    const events = await api(t, 'GET', '/api/v1/events');
    expect(events.body).not.toContain(token);
    const logged = logger.lines.join('\n');
    expect(logged).not.toContain(token.slice(3));
  });

  it('logs a customer email with the link redacted when SMTP_URL is unset', async () => {
    const logger = new KeepingLogger();
    t = await createOutboxApp({ dialect, env: { PUBLIC_URL: 'https://book.example.com/clinic/' }, service: { logger } });
    const provider = await makeProvider(t);
    const booking = await makeBooking(t, { provider_id: provider.id, date: '2027-12-20', time: '10:00', customer_email: 'grace@example.com' });
    await t.service.dispatcher.runOnce();
    const logged = logger.lines.join('\n');
    expect(logged).toContain(`https://book.example.com/clinic/manage/${booking.id}?token=[redacted]`);
    expect(logged).not.toContain(booking.manage_token.slice(3));
  });

  it('without PUBLIC_URL, no email carries a link', async () => {
    await start();
    const provider = await makeProvider(t);
    const booking = await makeBooking(t, { provider_id: provider.id, date: '2027-12-20', time: '10:00', customer_email: 'grace@example.com' });
    const mails = await sent();
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      expect(mail.text + mail.html).not.toContain('/manage/');
      expect(mail.text + mail.html).not.toContain(booking.manage_token);
    }
  });

  it('tells a new series in one email to the customer and one per provider, with every occurrence in one calendar file', async () => {
    await start({ PUBLIC_URL: 'https://book.example.com' });
    const provider = await makeProvider(t, { name: 'Dr. Ada Byron' });
    const body = { provider_id: provider.id, date: '2027-12-20', time: '10:00', customer_email: 'grace@example.com', repeat: { frequency: 'weekly', count: 12 } };
    const headers = { ...t.headers(), 'idempotency-key': 'series-once' };
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/booking-series', headers, payload: body });
    expect(res.statusCode).toBe(201);
    const series = res.json();
    expect(series.bookings).toHaveLength(12);
    // A replay repeats the 201, tokens included, from a record that holds none of them.
    const replay = await t.app.inject({ method: 'POST', url: '/api/v1/booking-series', headers, payload: body });
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(series);
    const records = JSON.stringify((await sql`select * from idempotency_keys`.execute(t.service.database.db)).rows);
    expect(records).toContain('series-once');
    expect(records).toContain('2028-03-06');
    for (const b of series.bookings) expect(records).not.toContain(b.manage_token.slice(3));

    const mails = await sent();
    expect(mails.map((m) => m.to).sort()).toEqual(['grace@example.com', provider.email].sort());
    for (const mail of mails) {
      expect(mail.subject).toContain('Booking series confirmed');
      expect(mail.subject).toContain('12 bookings from 2027-12-20 10:00');
      expect(mail.calendarType).toMatch(/method=REQUEST/);
      const { events, method } = eventsOf(mail.calendar);
      expect(method).toBe('REQUEST');
      expect(events.map((e) => e.uid).sort()).toEqual(series.bookings.map((b: Json) => `booking-${b.id}@booking-service`).sort());
    }
    const forCustomer = mails.find((m) => m.to === 'grace@example.com')!;
    expect(forCustomer.text.match(LINK)).toEqual(series.bookings.map((b: Json) => `https://book.example.com/manage/${b.id}?token=${b.manage_token}`));
    expect(mails.find((m) => m.to === provider.email)!.text).not.toMatch(LINK);
    // Counted once against the per-recipient limit.
    const counted = await sql<{ n: number | string }>`select count(*) as n from outbox where recipient = 'grace@example.com'`.execute(t.service.database.db);
    expect(Number(counted.rows[0].n)).toBe(1);

    // A later change of one occurrence is mailed on its own.
    expect((await api(t, 'DELETE', `/api/v1/bookings/${series.bookings[3].id}`)).statusCode).toBe(204);
    const cancelled = await sent();
    expect(cancelled.map((m) => m.subject.split(':')[0])).toEqual(['Booking cancelled', 'Booking cancelled']);
  });

  it('leaves an occurrence cancelled before the series email goes out off its calendar file, and says so in the text', async () => {
    await start();
    const provider = await makeProvider(t);
    const res = await api(t, 'POST', '/api/v1/booking-series', {
      provider_id: provider.id,
      date: '2027-12-20',
      time: '10:00',
      customer_email: 'grace@example.com',
      repeat: { frequency: 'daily', count: 3 },
    });
    expect(res.statusCode).toBe(201);
    const [first, second, third] = res.json().bookings as Json[];
    expect((await api(t, 'DELETE', `/api/v1/bookings/${second.id}`)).statusCode).toBe(204);
    const mails = await sent();
    const seriesMails = mails.filter((m) => m.subject.startsWith('Booking series confirmed'));
    expect(seriesMails.map((m) => m.to).sort()).toEqual(['grace@example.com', provider.email].sort());
    for (const mail of seriesMails) {
      expect(mail.text).toContain(`(booking id ${second.id}, cancelled)`);
      const { events, method } = eventsOf(mail.calendar);
      expect(method).toBe('REQUEST');
      expect(events.map((e) => e.uid).sort()).toEqual([first.id, third.id].map((id) => `booking-${id}@booking-service`).sort());
    }
    expect(mails.filter((m) => m.subject.startsWith('Booking cancelled'))).toHaveLength(2);
  });

  it('sends a service series one email per provider, naming only the occurrences that provider takes', async () => {
    await start();
    const ann = await makeProvider(t, { name: 'Stylist Ann' });
    const bob = await makeProvider(t, { name: 'Stylist Bob' });
    const salon = await service({ pools: [[ann.id, bob.id]] });
    // Ann is busy on the second date: that occurrence goes to Bob.
    await makeBooking(t, { provider_id: ann.id, date: '2027-12-21', time: '10:00', duration_minutes: 60 });
    await sent();
    const res = await api(t, 'POST', '/api/v1/booking-series', {
      service_id: salon.id,
      date: '2027-12-20',
      time: '10:00',
      customer_email: 'grace@example.com',
      repeat: { frequency: 'daily', count: 3 },
    });
    expect(res.statusCode).toBe(201);
    const byProvider = res.json().bookings.map((b: Json) => b.provider_ids[0]);
    expect(byProvider).toEqual([ann.id, bob.id, ann.id]);
    const mails = await sent();
    expect(mails.map((m) => m.to).sort()).toEqual(['grace@example.com', ann.email, bob.email].sort());
    expect(eventsOf(mails.find((m) => m.to === ann.email)!.calendar).events).toHaveLength(2);
    expect(eventsOf(mails.find((m) => m.to === bob.email)!.calendar).events).toHaveLength(1);
    expect(eventsOf(mails.find((m) => m.to === 'grace@example.com')!.calendar).events).toHaveLength(3);
  });
});

describe('PUBLIC_URL configuration', () => {
  it('is an absolute http(s) URL, kept without its trailing slash', async () => {
    expect((await loadConfig({})).PUBLIC_URL).toBeUndefined();
    expect((await loadConfig({ PUBLIC_URL: 'https://book.example.com/' })).PUBLIC_URL).toBe('https://book.example.com');
    expect((await loadConfig({ PUBLIC_URL: 'http://localhost:3000/app//' })).PUBLIC_URL).toBe('http://localhost:3000/app');
    for (const bad of ['book.example.com', 'ftp://book.example.com', '/manage', 'https://', 'https://a.example/?x=1', 'https://u:p@a.example']) {
      await expect(loadConfig({ PUBLIC_URL: bad })).rejects.toThrow(/PUBLIC_URL/);
    }
  });
});

describe.each(DIALECTS)('the manage token key on %s', (dialect) => {
  it('is made once, by whichever instance starts first, and is the same for every instance and after a restart', async () => {
    const url = await freshDatabaseUrl(dialect);
    // The schema first (instances migrating at once is another test's subject), then two starts racing to make the key.
    const migrated = await createService({ databaseUrl: url });
    await sql`delete from service_keys`.execute(migrated.database.db);
    await migrated.close();
    // (SQLite: one process cannot run two migrators at once, whose busy waits block each other: one starts without.)
    const [a, b] = await Promise.all([createService({ databaseUrl: url }), createService({ databaseUrl: url, migrate: dialect !== 'sqlite' })]);
    try {
      expect(a.manageTokens.forBooking(7)).toBe(b.manageTokens.forBooking(7));
      expect(a.manageTokens.forBooking(7)).not.toBe(a.manageTokens.forBooking(8));
      const rows = await sql<{ name: string }>`select name from service_keys`.execute(a.database.db);
      expect(rows.rows).toEqual([{ name: 'manage_tokens' }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const again = await createService({ databaseUrl: url });
    try {
      const other = await createService({ databaseUrl: await freshDatabaseUrl(dialect) });
      expect(again.manageTokens.forBooking(7)).not.toBe(other.manageTokens.forBooking(7));
      await other.close();
      const first = await createService({ databaseUrl: url });
      expect(first.manageTokens.forBooking(7)).toBe(again.manageTokens.forBooking(7));
      await first.close();
    } finally {
      await again.close();
    }
  });
});
