import fc from 'fast-check';
import { nextDate, RawSchedule, toHhmm } from './oracle';

export const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  // Changes at midnight: 3 April 23:00-23:59 happens twice; 5 September starts at 01:00.
  'America/Santiago',
] as const;

/** The 2027 days on which each zone's clocks jump (none for UTC and Asia/Kolkata). */
export const CHANGE_DAYS: Record<string, string[]> = {
  UTC: [],
  'Europe/Berlin': ['2027-03-28', '2027-10-31'],
  'America/New_York': ['2027-03-14', '2027-11-07'],
  'Australia/Sydney': ['2027-04-04', '2027-10-03'],
  'Asia/Kolkata': [],
  'Australia/Lord_Howe': ['2027-04-04', '2027-10-03'],
  'America/Santiago': ['2027-04-03', '2027-09-05'],
};

const anyDate = fc
  .integer({ min: 0, max: 2 * 365 })
  .map((n) => nextDate('2027-01-01', n));

/** A date in 2027-2028, often a day on which `zone`'s clocks change or one of its neighbours. */
export function dateIn(zone: string): fc.Arbitrary<string> {
  const near = CHANGE_DAYS[zone].flatMap((d) => [d, d, d, nextDate(d, -1), nextDate(d, 1)]);
  return near.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...near) }, { weight: 1, arbitrary: anyDate }) : anyDate;
}

const boundary = fc.oneof(
  fc.integer({ min: 0, max: 288 }).map((n) => n * 5),
  fc.integer({ min: 0, max: 1440 }),
  // The hours in which clocks change in the zones above.
  fc.integer({ min: 0, max: 16 }).map((n) => 60 + n * 15),
);

/** Sorted, non-overlapping windows (adjacent ones included), sometimes all day or around the changing hours. */
export const windows: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<[string, string][]>([['00:00', '24:00']]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<[string, string][]>(
      [['01:00', '04:00']],
      [['00:30', '02:00'], ['02:00', '05:00']],
      [['01:00', '02:00'], ['03:00', '04:00']],
      [['02:00', '03:00']],
      [['01:30', '02:30'], ['13:00', '18:00']],
      [['09:00', '12:00'], ['12:00', '17:00']],
    ),
  },
  {
    weight: 4,
    arbitrary: fc.uniqueArray(boundary, { minLength: 0, maxLength: 6 }).map((bs) => {
      const sorted = [...bs].sort((a, b) => a - b);
      const out: [string, string][] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) out.push([toHhmm(sorted[i]), toHhmm(sorted[i + 1])]);
      return out;
    }),
  },
  {
    // Windows between consecutive boundaries, some skipped: adjacent windows are common.
    weight: 2,
    arbitrary: fc
      .uniqueArray(boundary, { minLength: 2, maxLength: 6 })
      .chain((bs) => fc.tuple(fc.constant([...bs].sort((a, b) => a - b)), fc.array(fc.boolean(), { minLength: bs.length, maxLength: bs.length })))
      .map(([sorted, keep]) => {
        const out: [string, string][] = [];
        for (let i = 0; i + 1 < sorted.length; i++) if (keep[i]) out.push([toHhmm(sorted[i]), toHhmm(sorted[i + 1])]);
        return out;
      }),
  },
);

/** Windows with bounds in the small hours, where the zones above change their clocks. */
const smallHoursWindows: fc.Arbitrary<[string, string][]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 24 }).map((n) => n * 15), { minLength: 2, maxLength: 5 })
  .chain((bs) => fc.tuple(fc.constant([...bs].sort((a, b) => a - b)), fc.array(fc.boolean(), { minLength: bs.length, maxLength: bs.length })))
  .map(([sorted, keep]) => {
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < sorted.length; i++) if (keep[i] || i === 0) out.push([toHhmm(sorted[i]), toHhmm(sorted[i + 1])]);
    return out;
  });

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function scheduleAround(date: string, zone: string): fc.Arbitrary<RawSchedule> {
  const changeDay = CHANGE_DAYS[zone].includes(date);
  return fc.record({
    weekly: fc
      .array(fc.option(windows, { freq: 4 }), { minLength: 7, maxLength: 7 })
      .map((days) => Object.fromEntries(days.flatMap((ws, i) => (ws === null ? [] : [[WEEKDAYS[i], ws]])))),
    exceptions: fc
      .tuple(
        fc.option(windows, { freq: 2 }),
        changeDay ? fc.oneof(smallHoursWindows, fc.option(windows, { freq: 2 })) : fc.option(windows, { freq: 2 }),
        fc.option(windows, { freq: 2 }),
      )
      .map((days) => Object.fromEntries(days.flatMap((ws, i) => (ws === null ? [] : [[nextDate(date, i - 1), ws]])))),
    buffer_before_minutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 }).map((n) => n * 5), fc.integer({ min: 0, max: 240 })),
    buffer_after_minutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 }).map((n) => n * 5), fc.integer({ min: 0, max: 240 })),
    min_notice_minutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 4000 })),
    max_days_ahead: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(365)),
  });
}

export function durationArb(min: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(...[15, 20, 30, 45, 60, 90, 120].filter((d) => d >= min)),
    fc.integer({ min, max: 480 }),
    fc.integer({ min: 60, max: 240 }),
  );
}

export interface ExistingBooking {
  dayOffset: number;
  minute: number;
  duration: number;
  /** Made while the provider had no schedule (no buffers, no hours) or under the final schedule. */
  beforeSchedule: boolean;
  cancelled: boolean;
}

export const existingBookings: fc.Arbitrary<ExistingBooking[]> = fc.array(
  fc.record({
    dayOffset: fc.integer({ min: -1, max: 1 }),
    minute: fc.oneof(fc.integer({ min: 0, max: 287 }).map((n) => n * 5), fc.integer({ min: 0, max: 1439 })),
    duration: fc.oneof(fc.constantFrom(15, 30, 60), fc.integer({ min: 5, max: 240 })),
    beforeSchedule: fc.boolean(),
    cancelled: fc.boolean(),
  }),
  { maxLength: 8 },
);

export interface Scenario {
  zone: string;
  date: string;
  /** Extra dates asked after `date`. */
  extraDays: number;
  schedule: RawSchedule | null;
  /** `now`, in minutes and seconds after the date's naive UTC midnight (negative: before it). */
  nowOffsetMinutes: number;
  nowSeconds: number;
  providerDuration: number;
  /** Ask availability with this duration, or with the provider's default when null. */
  duration: number | null;
  bookings: ExistingBooking[];
}

export function scenario(options: { minDuration: number; maxExtraDays: number }): fc.Arbitrary<Scenario> {
  return fc.constantFrom(...ZONES).chain((zone) =>
    dateIn(zone).chain((date) =>
      fc.record({
        zone: fc.constant(zone),
        date: fc.constant(date),
        extraDays: fc.integer({ min: 0, max: options.maxExtraDays }),
        schedule: fc.option(scheduleAround(date, zone), { freq: 6 }),
        nowOffsetMinutes: fc.oneof(fc.integer({ min: -6 * 1440, max: 1440 }), fc.integer({ min: -1440, max: 1440 })),
        nowSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 59 })),
        providerDuration: durationArb(options.minDuration),
        duration: fc.option(durationArb(options.minDuration), { freq: 4 }),
        bookings: existingBookings,
      }),
    ),
  );
}

/** Only days on which clocks change, with working hours around the change and nothing else in the way. */
export function changeDayScenario(options: { minDuration: number }): fc.Arbitrary<Scenario> {
  const changing = ZONES.filter((z) => CHANGE_DAYS[z].length > 0);
  return fc.constantFrom(...changing).chain((zone) =>
    fc.constantFrom(...CHANGE_DAYS[zone]).chain((date) =>
      fc.record({
        zone: fc.constant(zone),
        date: fc.constant(date),
        extraDays: fc.constant(0),
        schedule: smallHoursWindows.chain((hours) =>
          fc.record({
            weekly: fc.constant({}),
            exceptions: fc.constant({ [date]: hours }),
            buffer_before_minutes: fc.constantFrom(0, 15),
            buffer_after_minutes: fc.constantFrom(0, 30),
            min_notice_minutes: fc.constant(0),
            max_days_ahead: fc.constant(365),
          }),
        ),
        nowOffsetMinutes: fc.oneof(fc.constant(-7 * 1440), fc.integer({ min: -1440, max: 360 })),
        nowSeconds: fc.constant(0),
        providerDuration: fc.constant(30),
        duration: fc.integer({ min: Math.max(options.minDuration, 15), max: 240 }),
        bookings: existingBookings,
      }),
    ),
  );
}
