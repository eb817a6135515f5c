import fc from 'fast-check';
import { DateTime } from 'luxon';
import { LuxonTimeZones } from '../../src/adapters/time/luxon-time-zones';

/**
 * The adapter memoises offsets per day and per hour; these checks hold it to Luxon's own DateTime for
 * thousands of instants and wall times, through one long-lived instance so that cached answers are checked too.
 */

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Santiago',
  'Africa/Casablanca',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Asia/Tehran',
];

const zones = new LuxonTimeZones();
const MINUTE = 60_000;
const FROM = Date.parse('1995-01-01T00:00:00Z');
const TO = Date.parse('2060-01-01T00:00:00Z');

function wallOf(dt: DateTime): { date: string; minute: number } {
  return { date: dt.toISODate()!, minute: dt.hour * 60 + dt.minute };
}

/** Luxon's answer for a wall time: null when it does not exist; the earliest instant reading it when it repeats. */
function luxonInstant(zone: string, date: string, minute: number): number | null {
  const [y, m, d] = date.split('-').map(Number);
  const dt = DateTime.fromObject({ year: y, month: m, day: d, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone });
  const reads = (t: number) => {
    const w = wallOf(DateTime.fromMillis(t, { zone }));
    return w.date === date && w.minute === minute;
  };
  if (dt.hour * 60 + dt.minute !== minute || dt.toISODate() !== date) return null;
  // Luxon picks the later of two readings; look for an earlier one when the offset changed shortly before.
  if (DateTime.fromMillis(dt.toMillis() - 150 * MINUTE, { zone }).offset === dt.offset) return dt.toMillis();
  let first = dt.toMillis();
  for (const back of [30, 60, 90, 120]) if (reads(dt.toMillis() - back * MINUTE)) first = dt.toMillis() - back * MINUTE;
  return first;
}

/** Every instant in 2027 at which one of the zones changes its offset, with the local date it happens on. */
function changes(): { zone: string; at: number; date: string }[] {
  const out: { zone: string; at: number; date: string }[] = [];
  const step = 6 * 3_600_000;
  for (const zone of ZONES) {
    const offset = (t: number) => DateTime.fromMillis(t, { zone }).offset;
    for (let t = Date.parse('2027-01-01T00:00:00Z'); t < Date.parse('2028-01-01T00:00:00Z'); t += step) {
      if (offset(t) === offset(t + step)) continue;
      let [lo, hi] = [t, t + step];
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offset(mid) === offset(lo)) lo = mid;
        else hi = mid;
      }
      out.push({ zone, at: hi, date: DateTime.fromMillis(hi, { zone }).toISODate()! });
    }
  }
  return out;
}

const CHANGES = changes();

describe('LuxonTimeZones agrees with Luxon DateTime', () => {
  it('toLocal and formatWithOffset, for random instants from 1995 to 2060', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, instant) => {
        const dt = DateTime.fromMillis(instant, { zone });
        expect(zones.toLocal(instant, zone)).toEqual(wallOf(dt));
        expect(zones.formatWithOffset(instant, zone)).toBe(dt.toFormat("yyyy-MM-dd'T'HH:mm:ssZZ"));
      }),
      { numRuns: 5000 },
    );
  });

  it('toLocal and formatWithOffset, minute by minute for three hours either side of every 2027 change', () => {
    expect(CHANGES.length).toBeGreaterThanOrEqual(16);
    const wrong: unknown[] = [];
    for (const { zone, at } of CHANGES) {
      for (let t = at - 180 * MINUTE; t <= at + 180 * MINUTE; t += MINUTE) {
        const dt = DateTime.fromMillis(t, { zone });
        const local = zones.toLocal(t, zone);
        const expected = wallOf(dt);
        if (local.date !== expected.date || local.minute !== expected.minute) wrong.push({ zone, t, local, expected });
        const formatted = zones.formatWithOffset(t, zone);
        if (formatted !== dt.toFormat("yyyy-MM-dd'T'HH:mm:ssZZ")) wrong.push({ zone, t, formatted });
      }
    }
    expect(wrong).toEqual([]);
  });

  it('formats UTC as +00:00, never Z, and half-hour offsets in full', () => {
    const t = Date.parse('2027-03-28T09:00:00Z');
    expect(zones.formatWithOffset(t, 'UTC')).toBe('2027-03-28T09:00:00+00:00');
    expect(zones.formatWithOffset(t, 'Asia/Kolkata')).toBe('2027-03-28T14:30:00+05:30');
    expect(zones.formatWithOffset(t, 'America/St_Johns')).toBe('2027-03-28T06:30:00-02:30');
  });

  it('toInstant, for random wall times: null exactly when skipped, the first occurrence when repeated, and a round trip', () => {
    const dates = fc.integer({ min: 0, max: 365 * 40 }).map((n) => DateTime.fromISO('2000-01-01', { zone: 'UTC' }).plus({ days: n }).toISODate()!);
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), dates, fc.integer({ min: 0, max: 1439 }), (zone, date, minute) => {
        const expected = luxonInstant(zone, date, minute);
        const actual = zones.toInstant(date, minute, zone);
        expect(actual).toBe(expected);
        if (actual !== null) expect(zones.toLocal(actual, zone)).toEqual({ date, minute });
      }),
      { numRuns: 3000 },
    );
  });

  it('toInstant, for every minute of every day on which a zone changes in 2027', () => {
    let skipped = 0;
    let repeated = 0;
    const wrong: unknown[] = [];
    for (const { zone, date } of CHANGES) {
      for (let minute = 0; minute < 1440; minute++) {
        const expected = luxonInstant(zone, date, minute);
        const actual = zones.toInstant(date, minute, zone);
        if (actual !== expected) wrong.push({ zone, date, minute, actual, expected });
        if (expected === null) skipped++;
        else if (wallOf(DateTime.fromMillis(expected + 60 * MINUTE, { zone })).minute === minute) repeated++;
      }
    }
    expect(wrong).toEqual([]);
    // The sweep did meet both kinds of change.
    expect(skipped).toBeGreaterThan(100);
    expect(repeated).toBeGreaterThan(100);
  });

  it('knows IANA names and refuses others', () => {
    expect(zones.isValid('Australia/Lord_Howe')).toBe(true);
    expect(zones.isValid('Mars/Olympus_Mons')).toBe(false);
    expect(zones.isValid('')).toBe(false);
  });
});
