import ical, { VEvent } from 'node-ical';
import { feedText, invitationText, timezoneLines } from '../../src/adapters/icalendar/icalendar';
import { BookingView } from '../../src/application/views';
import { zones } from '../support/builders';
import { bookingViewOf, eventDateTimes, instantOf, instantUnder, localValue, Observance, vtimezone, vtimezones } from '../support/icalendar';

const provider = { id: 3, name: 'Dr. Ada Byron', email: 'ada@example.com', timezone: 'Europe/Berlin' };

/** A booking view as the API shows it: `date` and `time` in `zone`, `starts_at`/`ends_at` with the zone's offsets. */
function aView(zone: string, date: string, time: string, durationMinutes = 30, id = 1): BookingView {
  const minute = Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  const startsAt = zones.toInstant(date, minute, zone)!;
  const endsAt = startsAt + durationMinutes * 60_000;
  const end = minute + durationMinutes;
  return bookingViewOf({
    id,
    date,
    time: `${time}:00`,
    duration_minutes: durationMinutes,
    end_time: `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}:00`,
    timezone: zone,
    starts_at: zones.formatWithOffset(startsAt, zone),
    ends_at: zones.formatWithOffset(endsAt, zone),
  });
}

function onlyEvent(text: string): VEvent {
  const events = Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c.type === 'VEVENT');
  expect(events).toHaveLength(1);
  return events[0];
}

const STAMP = { stampedAt: Date.parse('2027-01-05T10:00:00Z') };

const CASES: { zone: string; date: string; time: string; startsAt: string; changes: [Observance['kind'], string, string, string][] }[] = [
  {
    zone: 'Europe/Berlin',
    date: '2027-03-28',
    time: '09:00',
    startsAt: '2027-03-28T07:00:00.000Z',
    changes: [
      ['DAYLIGHT', '20270328T020000', '+0100', '+0200'],
      ['STANDARD', '20271031T030000', '+0200', '+0100'],
    ],
  },
  {
    zone: 'America/New_York',
    date: '2027-11-07',
    time: '09:00',
    startsAt: '2027-11-07T14:00:00.000Z',
    changes: [
      ['DAYLIGHT', '20270314T020000', '-0500', '-0400'],
      ['STANDARD', '20271107T020000', '-0400', '-0500'],
    ],
  },
  {
    zone: 'Australia/Sydney',
    date: '2027-12-25',
    time: '14:30',
    startsAt: '2027-12-25T03:30:00.000Z',
    changes: [
      ['STANDARD', '20270404T030000', '+1100', '+1000'],
      ['DAYLIGHT', '20271003T020000', '+1000', '+1100'],
    ],
  },
  { zone: 'Asia/Kolkata', date: '2027-12-25', time: '14:30', startsAt: '2027-12-25T09:00:00.000Z', changes: [] },
  { zone: 'UTC', date: '2027-12-25', time: '14:30', startsAt: '2027-12-25T14:30:00.000Z', changes: [] },
];

const FIXED_OFFSETS: Record<string, string> = { 'Asia/Kolkata': '+0530', UTC: '+0000' };

describe.each(CASES)('an invitation in $zone', ({ zone, date, time, startsAt, changes }) => {
  const booking = aView(zone, date, time);
  const { text } = invitationText(booking, provider, STAMP);

  it("writes DTSTART and DTEND as the booking's wall time with TZID", () => {
    expect(Date.parse(booking.starts_at)).toBe(Date.parse(startsAt));
    expect(eventDateTimes(text, 'DTSTART')).toEqual([{ tzid: zone, value: localValue(date, time) }]);
    expect(eventDateTimes(text, 'DTEND')).toEqual([{ tzid: zone, value: localValue(date, booking.end_time) }]);
    expect(text).toContain(`\r\nDTSTART;TZID=${zone}:${localValue(date, time)}\r\n`);
    expect(text).toContain('\r\nDTSTAMP:20270105T100000Z\r\n');
  });

  it('defines the zone once, with its real offset changes from a year before to a year after', () => {
    expect(vtimezones(text).map(([tzid]) => tzid)).toEqual([zone]);
    const observances = vtimezone(text, zone);
    if (changes.length === 0) {
      const offset = FIXED_OFFSETS[zone];
      expect(observances).toEqual([{ kind: 'STANDARD', start: '19700101T000000', from: offset, to: offset }]);
      return;
    }
    const inYear = observances.filter((o) => o.start.startsWith('2027'));
    expect(inYear.map((o) => [o.kind, o.start, o.from, o.to])).toEqual(changes);
    expect(observances.map((o) => o.start.slice(0, 4))).toEqual(['2026', '2026', '2027', '2027', '2028', '2028']);
    // Each change starts from the offset the previous one moved to.
    for (let i = 1; i < observances.length; i += 1) expect(observances[i].from).toBe(observances[i - 1].to);
    expect(text.split('\r\n').filter((l) => l.startsWith('RRULE'))).toEqual([]);
  });

  it("resolves, through its own VTIMEZONE and through node-ical, to the booking's instants", () => {
    const [start] = eventDateTimes(text, 'DTSTART');
    const [end] = eventDateTimes(text, 'DTEND');
    expect(instantOf(text, start)).toBe(Date.parse(booking.starts_at));
    expect(instantOf(text, end)).toBe(Date.parse(booking.ends_at));
    const event = onlyEvent(text);
    expect(event.start.toISOString()).toBe(startsAt);
    expect(event.start.tz).toBe(zone);
    expect(event.end.getTime()).toBe(Date.parse(booking.ends_at));
  });
});

describe('iCalendar time zones', () => {
  it('writes the Berlin changes at 02:00 and 03:00 local time, the onset in the offset before it', () => {
    expect(timezoneLines('Europe/Berlin', 2027, 2027)).toEqual([
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:DAYLIGHT',
      'DTSTART:20270328T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'END:DAYLIGHT',
      'BEGIN:STANDARD',
      'DTSTART:20271031T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'END:VTIMEZONE',
    ]);
  });

  it('keeps a booking that runs through the spring-forward gap exact', () => {
    // 01:30 + 60 minutes on 28 March 2027 in Berlin ends at 03:30 CEST.
    const booking = aView('Europe/Berlin', '2027-03-28', '01:30', 60);
    const { text } = invitationText(booking, provider, STAMP);
    const [start] = eventDateTimes(text, 'DTSTART');
    const [end] = eventDateTimes(text, 'DTEND');
    expect([start.value, end.value]).toEqual(['20270328T013000', '20270328T033000']);
    expect(instantOf(text, start)).toBe(Date.parse('2027-03-28T00:30:00Z'));
    expect(instantOf(text, end)).toBe(Date.parse('2027-03-28T01:30:00Z'));
    expect(onlyEvent(text).end.toISOString()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('writes a start and an end in the repeated hour of a fall-back day in UTC, whichever occurrence they are', () => {
    // New York falls back at 02:00 EDT on 7 November 2027: 01:30 happens at 05:30Z and again at 06:30Z.
    const booking = aView('America/New_York', '2027-11-07', '01:30', 60);
    expect([booking.starts_at, booking.ends_at]).toEqual(['2027-11-07T01:30:00-04:00', '2027-11-07T01:30:00-05:00']);
    const { text } = invitationText(booking, provider, STAMP);
    expect(eventDateTimes(text, 'DTSTART')).toEqual([{ tzid: null, value: '20271107T053000Z' }]);
    expect(eventDateTimes(text, 'DTEND')).toEqual([{ tzid: null, value: '20271107T063000Z' }]);
    // Just outside the repeated hour, the wall time with TZID again.
    const after = invitationText(aView('America/New_York', '2027-11-07', '02:00', 30), provider, STAMP).text;
    expect(eventDateTimes(after, 'DTSTART')).toEqual([{ tzid: 'America/New_York', value: '20271107T020000' }]);
    const before = invitationText(aView('America/New_York', '2027-11-07', '00:30', 30), provider, STAMP).text;
    expect(eventDateTimes(before, 'DTSTART')).toEqual([{ tzid: 'America/New_York', value: '20271107T003000' }]);
    expect(eventDateTimes(before, 'DTEND')).toEqual([{ tzid: null, value: '20271107T050000Z' }]);
    const event = onlyEvent(text);
    expect(event.start.toISOString()).toBe('2027-11-07T05:30:00.000Z');
    expect(event.end.toISOString()).toBe('2027-11-07T06:30:00.000Z');
  });

  it("defines each zone of a feed once, sorted by name, over the years of that zone's bookings", () => {
    const bookings = [
      aView('Europe/Berlin', '2029-06-01', '10:00', 30, 1),
      aView('Australia/Sydney', '2027-12-25', '14:30', 30, 2),
      aView('Europe/Berlin', '2027-12-25', '14:30', 30, 3),
      aView('UTC', '2027-12-25', '14:30', 30, 4),
    ];
    const text = feedText(bookings, provider, STAMP);
    expect(vtimezones(text).map(([tzid]) => tzid)).toEqual(['Australia/Sydney', 'Europe/Berlin', 'UTC']);
    const years = (zone: string) => [...new Set(vtimezone(text, zone).map((o) => o.start.slice(0, 4)))];
    expect(years('Europe/Berlin')).toEqual(['2026', '2027', '2028', '2029', '2030']);
    expect(years('Australia/Sydney')).toEqual(['2026', '2027', '2028']);
    expect(text.indexOf('BEGIN:VTIMEZONE')).toBeLessThan(text.indexOf('BEGIN:VEVENT'));

    const starts = eventDateTimes(text, 'DTSTART');
    expect(starts.map((s) => s.tzid)).toEqual(bookings.map((b) => b.timezone));
    starts.forEach((start, i) => {
      expect(start.value).toBe(localValue(bookings[i].date, bookings[i].time));
      expect(instantOf(text, start)).toBe(Date.parse(bookings[i].starts_at));
    });
    const parsed = Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c.type === 'VEVENT');
    expect(Object.fromEntries(parsed.map((e) => [e.uid, e.start.getTime()]))).toEqual(
      Object.fromEntries(bookings.map((b) => [`booking-${b.id}@booking-service`, Date.parse(b.starts_at)])),
    );
    expect(feedText(bookings, provider, STAMP)).toBe(text);
  });

  it('resolves every half hour of a year in Berlin and Sydney through the VTIMEZONE as the zone data does', () => {
    for (const zone of ['Europe/Berlin', 'Australia/Sydney']) {
      const observances = vtimezone(`${timezoneLines(zone, 2026, 2028).join('\r\n')}\r\n`, zone);
      for (let t = Date.parse('2027-01-01T00:00:00Z'); t < Date.parse('2028-01-01T00:00:00Z'); t += 30 * 60_000) {
        const local = zones.toLocal(t, zone);
        const hhmm = `${String(Math.floor(local.minute / 60)).padStart(2, '0')}:${String(local.minute % 60).padStart(2, '0')}`;
        const first = zones.toInstant(local.date, local.minute, zone);
        expect(instantUnder(observances, localValue(local.date, hhmm))).toBe(first);
      }
    }
  });
});
