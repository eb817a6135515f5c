/**
 * Two independent iCalendar readers, ical.js (which resolves TZIDs through the calendar's own VTIMEZONEs) and
 * node-ical (which uses its own zone database), must read every feed and every email attachment to exactly the
 * bookings' instants, around every kind of clock change included.
 */
import { feedText } from '../../src/adapters/icalendar/icalendar';
import { composeBookingMail, summariseBookingMail } from '../../src/adapters/mail/booking-mail-message';
import { BookingMail } from '../../src/application/ports/mailer';
import { BookingView } from '../../src/application/views';
import { zones } from '../support/builders';
import { bookingViewOf, eventDateTimes } from '../support/icalendar';
import { readWithIcalJs, readWithNodeIcal } from '../support/icalendar-readers';

const MINUTE = 60_000;

/** A booking view at an exact instant (so that either occurrence of a repeated wall time can be named). */
function viewAt(id: number, zone: string, startsAt: number, durationMinutes: number): BookingView {
  const local = zones.toLocal(startsAt, zone);
  const endsAt = startsAt + durationMinutes * MINUTE;
  const endLocal = zones.toLocal(endsAt, zone);
  const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00`;
  return bookingViewOf({
    id,
    date: local.date,
    time: hhmm(local.minute),
    duration_minutes: durationMinutes,
    end_time: endLocal.date === local.date ? hhmm(endLocal.minute) : '24:00:00',
    timezone: zone,
    starts_at: zones.formatWithOffset(startsAt, zone),
    ends_at: zones.formatWithOffset(endsAt, zone),
    customer_name: 'Grace',
    customer_email: 'grace@example.com',
  });
}

const at = (iso: string) => Date.parse(iso);

/** [zone, start instant, minutes, what it is]. */
const CASES: [string, number, number, string][] = [
  ['Europe/Berlin', at('2027-10-31T00:30:00Z'), 30, 'Berlin 02:30, first occurrence (CEST)'],
  ['Europe/Berlin', at('2027-10-31T01:30:00Z'), 30, 'Berlin 02:30, second occurrence (CET)'],
  ['Europe/Berlin', at('2027-10-31T00:30:00Z'), 60, 'Berlin 02:30 first to 02:30 second'],
  ['Europe/Berlin', at('2027-10-30T23:30:00Z'), 120, 'Berlin 01:30 to 02:30 second, through the repeated hour'],
  ['Europe/Berlin', at('2027-10-31T01:00:00Z'), 30, 'Berlin 02:00 second occurrence'],
  ['Europe/Berlin', at('2027-10-31T02:00:00Z'), 30, 'Berlin 03:00 after the change'],
  ['Europe/Berlin', at('2027-03-28T00:30:00Z'), 60, 'Berlin 01:30 to 03:30 over the spring gap'],
  ['Europe/Berlin', at('2027-03-28T01:00:00Z'), 30, 'Berlin 03:00, just after the spring gap'],
  ['Europe/Berlin', at('2027-12-24T23:00:00Z'), 60, 'Berlin 00:00 winter'],
  ['Europe/Berlin', at('2027-06-07T21:30:00Z'), 30, 'Berlin 23:30 ending at midnight'],
  ['America/New_York', at('2027-11-07T05:30:00Z'), 60, 'New York 01:30 first to 01:30 second'],
  ['America/New_York', at('2027-11-07T06:30:00Z'), 30, 'New York 01:30 second occurrence'],
  ['America/New_York', at('2027-03-14T06:30:00Z'), 60, 'New York 01:30 over the spring gap'],
  ['Australia/Sydney', at('2027-04-03T15:30:00Z'), 30, 'Sydney 02:30 first occurrence (AEDT)'],
  ['Australia/Sydney', at('2027-04-03T16:30:00Z'), 30, 'Sydney 02:30 second occurrence (AEST)'],
  ['Australia/Lord_Howe', at('2027-04-03T14:45:00Z'), 30, 'Lord Howe 01:45, half an hour repeated'],
  ['Australia/Lord_Howe', at('2027-04-03T15:15:00Z'), 30, 'Lord Howe 01:45 again'],
  ['Asia/Kolkata', at('2027-12-25T09:00:00Z'), 30, 'Kolkata, no changes, half-hour offset'],
  ['UTC', at('2027-12-25T14:30:00Z'), 30, 'UTC'],
];

const provider = { id: 3, name: 'Dr. Ada Byron', email: 'ada@example.com', timezone: 'Europe/Berlin' };
const STAMP = { stampedAt: at('2027-01-05T10:00:00Z') };

const expected = (views: BookingView[]) =>
  Object.fromEntries(views.map((v) => [`booking-${v.id}@booking-service`, [Date.parse(v.starts_at), Date.parse(v.ends_at)]]));

describe('feeds and email attachments read by ical.js and node-ical', () => {
  const views = CASES.map(([zone, start, minutes], i) => viewAt(i + 1, zone, start, minutes));

  it('the cases are what they say', () => {
    expect(views[0].starts_at).toBe('2027-10-31T02:30:00+02:00');
    expect(views[1].starts_at).toBe('2027-10-31T02:30:00+01:00');
    expect(views[2].ends_at).toBe('2027-10-31T02:30:00+01:00');
    expect(views[15].starts_at).toBe('2027-04-04T01:45:00+11:00');
    expect(views[16].starts_at).toBe('2027-04-04T01:45:00+10:30');
  });

  it('a feed of every case', () => {
    const text = feedText(views, provider, STAMP);
    expect(readWithIcalJs(text)).toEqual(expected(views));
    expect(readWithNodeIcal(text)).toEqual(expected(views));
  });

  it.each(CASES.map(([, , , name], i) => [name, i] as const))('the email attachment and text of %s', (_name, i) => {
    const view = views[i];
    for (const type of ['booking.created', 'booking.cancelled'] as const) {
      const booking = type === 'booking.cancelled' ? { ...view, status: 'cancelled' as const, version: 2 } : view;
      const mail: BookingMail = { to: 'grace@example.com', role: 'customer', eventId: 1, type, at: STAMP.stampedAt, booking, changes: {}, provider, providers: [provider] };
      const attachment = composeBookingMail(mail).invitation.content;
      expect(readWithIcalJs(attachment)).toEqual(expected([view]));
      expect(readWithNodeIcal(attachment)).toEqual(expected([view]));
    }
  });

  it('writes DTSTART in UTC when the start is in a repeated hour, either occurrence, and with TZID otherwise', () => {
    const text = feedText(views, provider, STAMP);
    const starts = eventDateTimes(text, 'DTSTART');
    const ends = eventDateTimes(text, 'DTEND');
    expect(starts[0]).toEqual({ tzid: null, value: '20271031T003000Z' });
    expect(starts[1]).toEqual({ tzid: null, value: '20271031T013000Z' });
    expect(ends[2]).toEqual({ tzid: null, value: '20271031T013000Z' });
    expect(starts[5]).toEqual({ tzid: 'Europe/Berlin', value: '20271031T030000' });
    expect(starts[15]).toEqual({ tzid: null, value: '20270403T144500Z' });
    expect(starts[16]).toEqual({ tzid: null, value: '20270403T151500Z' });
    expect(starts[8]).toEqual({ tzid: 'Europe/Berlin', value: '20271225T000000' });
  });

  it('shows the offsets of start and end in the email text when they differ, one offset when they do not', () => {
    const text = (i: number) => summariseBookingMail({ to: 'g@example.com', role: 'customer', eventId: 1, type: 'booking.created', at: 0, booking: views[i], changes: {}, provider, providers: [provider] }).text;
    expect(text(2)).toContain('Time: 02:30 (UTC+02:00) to 02:30 (UTC+01:00) Europe/Berlin');
    expect(text(1)).toContain('Time: 02:30 to 03:00 Europe/Berlin (UTC+01:00)');
    expect(text(6)).toContain('Time: 01:30 (UTC+01:00) to 03:30 (UTC+02:00) Europe/Berlin');
    expect(text(9)).toContain('Time: 23:30 to 24:00 Europe/Berlin (UTC+02:00)');
    expect(text(15)).toContain('Time: 01:45 (UTC+11:00) to 01:45 (UTC+10:30) Australia/Lord_Howe');
  });
});
