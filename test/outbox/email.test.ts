import ical, { VEvent } from 'node-ical';
import { jsonLogger } from '../../src/adapters/system/json-logger';
import { DIALECTS } from '../support/databases';
import { eventDateTimes, instantOf, localValue, vtimezone, vtimezones } from '../support/icalendar';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, MailSink, makeBooking, makeProvider, readMail } from './support';

const read = readMail;

function eventOf(calendar: string): { event: VEvent; method: string | undefined } {
  const parsed = ical.sync.parseICS(calendar);
  const events = Object.values(parsed).filter((c): c is VEvent => c.type === 'VEVENT');
  expect(events).toHaveLength(1);
  return { event: events[0], method: (parsed.vcalendar as { method?: string } | undefined)?.method };
}

describe.each(DIALECTS)('booking email through the outbox on %s', (dialect) => {
  let t: TestApp;
  let sink: MailSink;

  beforeEach(async () => {
    sink = await new MailSink().start();
    t = await createOutboxApp({ dialect, env: { SMTP_URL: sink.url, MAIL_FROM: 'Bookings <bookings@clinic.example>' } });
  });
  afterEach(async () => {
    await t.close();
    await sink.stop();
  });

  it('mails the provider and the customer on create, reschedule and cancel, each with an invitation that tracks the booking', async () => {
    const provider = await makeProvider(t, { name: 'Dr. Ada Byron', timezone: 'Europe/Berlin' });
    const booking = await makeBooking(t, {
      provider_id: provider.id,
      date: '2027-12-25',
      time: '14:30',
      customer_name: 'Grace Hopper',
      customer_email: 'grace@example.com',
    });
    await t.service.dispatcher.runOnce();
    expect(sink.messages.map((m) => m.to)).toEqual(expect.arrayContaining([[provider.email], ['grace@example.com']]));
    expect(sink.messages).toHaveLength(2);
    for (const message of sink.messages) expect(message.from).toBe('bookings@clinic.example');

    const created = sink.messages.map(read);
    for (const mail of created) {
      expect(mail.subject).toContain('Booking confirmed');
      expect(mail.text).toContain('Dr. Ada Byron');
      expect(mail.text).toContain('Saturday, 25 December 2027');
      expect(mail.text).toContain('14:30 to 15:00 Europe/Berlin (UTC+01:00)');
      expect(mail.text).toContain('30 minutes');
      expect(mail.text).toContain('Grace Hopper <grace@example.com>');
      expect(mail.text).toContain(`Booking id: ${booking.id}`);
      expect(mail.html).toContain('14:30 to 15:00 Europe/Berlin (UTC+01:00)');
      expect(mail.html).toContain('Grace Hopper &lt;grace@example.com&gt;');
      expect(mail.calendarType).toMatch(/^text\/calendar;.*method=REQUEST/);
      const { event, method } = eventOf(mail.calendar);
      expect(method).toBe('REQUEST');
      expect(event.uid).toBe(`booking-${booking.id}@booking-service`);
      expect(Number(event.sequence)).toBe(1);
      expect(event.start.toISOString()).toBe('2027-12-25T13:30:00.000Z');
      expect(event.end.toISOString()).toBe('2027-12-25T14:00:00.000Z');
      expect(event.start.getTime()).toBe(Date.parse(booking.starts_at as string));
      expect(eventDateTimes(mail.calendar, 'DTSTART')).toEqual([{ tzid: 'Europe/Berlin', value: localValue('2027-12-25', '14:30') }]);
      expect(eventDateTimes(mail.calendar, 'DTEND')).toEqual([{ tzid: 'Europe/Berlin', value: localValue('2027-12-25', '15:00') }]);
      expect(vtimezones(mail.calendar).map(([tzid]) => tzid)).toEqual(['Europe/Berlin']);
      expect(vtimezone(mail.calendar, 'Europe/Berlin').filter((o) => o.start.startsWith('2027'))).toEqual([
        { kind: 'DAYLIGHT', start: '20270328T020000', from: '+0100', to: '+0200' },
        { kind: 'STANDARD', start: '20271031T030000', from: '+0200', to: '+0100' },
      ]);
      expect(instantOf(mail.calendar, eventDateTimes(mail.calendar, 'DTSTART')[0])).toBe(Date.parse(booking.starts_at as string));
      expect(mail.calendar).toMatch(/\r\nEND:VCALENDAR\r\n$/);
    }
    const forCustomer = created.find((m) => m.to[0] === 'grace@example.com')!;
    expect(forCustomer.text).toContain('Your booking with Dr. Ada Byron is confirmed.');

    sink.messages.length = 0;
    expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: '16:00' })).statusCode).toBe(200);
    // A change that moves nothing sends no email.
    expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { notes: 'bring the X-rays' })).statusCode).toBe(200);
    await t.service.dispatcher.runOnce();
    expect(sink.messages).toHaveLength(2);
    for (const mail of sink.messages.map(read)) {
      expect(mail.subject).toContain('Booking rescheduled');
      expect(mail.text).toContain('16:00 to 16:30 Europe/Berlin (UTC+01:00)');
      expect(mail.text).toContain('Previously: Saturday, 25 December 2027 at 14:30');
      const { event, method } = eventOf(mail.calendar);
      expect(method).toBe('REQUEST');
      expect(event.uid).toBe(`booking-${booking.id}@booking-service`);
      expect(Number(event.sequence)).toBe(2);
      expect(event.start.toISOString()).toBe('2027-12-25T15:00:00.000Z');
      expect(eventDateTimes(mail.calendar, 'DTSTART')).toEqual([{ tzid: 'Europe/Berlin', value: localValue('2027-12-25', '16:00') }]);
    }

    sink.messages.length = 0;
    expect((await api(t, 'DELETE', `/api/v1/bookings/${booking.id}`)).statusCode).toBe(204);
    await t.service.dispatcher.runOnce();
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['grace@example.com', provider.email].sort());
    for (const mail of sink.messages.map(read)) {
      expect(mail.subject).toContain('Booking cancelled');
      expect(mail.text).toContain('cancelled');
      expect(mail.calendarType).toMatch(/method=CANCEL/);
      const { event, method } = eventOf(mail.calendar);
      expect(method).toBe('CANCEL');
      expect(event.status).toBe('CANCELLED');
      expect(event.uid).toBe(`booking-${booking.id}@booking-service`);
      // The notes edit raised the version to 3, the cancellation to 4.
      expect(Number(event.sequence)).toBe(4);
    }
  });

  it('mails only the provider when the booking has no customer email', async () => {
    const provider = await makeProvider(t, { timezone: 'America/New_York' });
    await makeBooking(t, { provider_id: provider.id, date: '2027-07-04', time: '09:00', duration_minutes: 45 });
    await t.service.dispatcher.runOnce();
    expect(sink.messages.map((m) => m.to)).toEqual([[provider.email]]);
    const mail = read(sink.messages[0]);
    expect(mail.text).toContain('Sunday, 4 July 2027');
    expect(mail.text).toContain('09:00 to 09:45 America/New_York (UTC-04:00)');
    expect(mail.text).toContain('45 minutes');
    const start = eventDateTimes(mail.calendar, 'DTSTART')[0];
    expect(start).toEqual({ tzid: 'America/New_York', value: localValue('2027-07-04', '09:00') });
    expect(vtimezone(mail.calendar, 'America/New_York').filter((o) => o.start.startsWith('2027'))).toEqual([
      { kind: 'DAYLIGHT', start: '20270314T020000', from: '-0500', to: '-0400' },
      { kind: 'STANDARD', start: '20271107T020000', from: '-0400', to: '-0500' },
    ]);
    expect(instantOf(mail.calendar, start)).toBe(Date.parse('2027-07-04T13:00:00Z'));
    expect(eventOf(mail.calendar).event.start.toISOString()).toBe('2027-07-04T13:00:00.000Z');
  });

  it('retries a message the mail server refused and sends it once when the server takes it', async () => {
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    sink.refuse = true;
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 1, retrying: 1 });
    expect(sink.messages).toHaveLength(0);
    expect(await t.service.outboxStats()).toEqual({ pending: 1, retrying: 1, failed: 0 });
    sink.refuse = false;
    t.clock.advance(10_000);
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
    t.clock.advance(3_600_000);
    await t.service.dispatcher.runOnce();
    expect(sink.messages.map((m) => m.to)).toEqual([[provider.email]]);
  });
});

describe('booking email without SMTP_URL', () => {
  it('goes to the log', async () => {
    const lines: string[] = [];
    const t = await createOutboxApp({ dialect: 'sqlite', service: { logger: jsonLogger('info', (line) => lines.push(line)) } });
    try {
      const provider = await makeProvider(t);
      await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00', customer_email: 'lin@example.com' });
      expect(await t.service.dispatcher.runOnce()).toMatchObject({ delivered: 2 });
      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.mail);
      expect(logged.map((l) => l.mail.to).sort()).toEqual(['lin@example.com', provider.email].sort());
      for (const entry of logged) {
        expect(entry.level).toBe(30);
        expect(entry.mail.subject).toContain('Booking confirmed');
        expect(entry.mail.text).toContain('Saturday, 25 December 2027');
      }
    } finally {
      await t.close();
    }
  });
});
