import { DateTime } from 'luxon';

/**
 * An independent model of the calendar rules, for checking the service against. It shares no code with
 * src/: wall-clock readings come from Luxon's DateTime minute by minute (brute force), and every rule of
 * API.md is restated here in the plainest way.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface RawSchedule {
  weekly: Record<string, [string, string][]>;
  exceptions: Record<string, [string, string][]>;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  min_notice_minutes: number;
  max_days_ahead: number;
}

export type Verdict =
  | 'OK'
  | 'VALIDATION_ERROR'
  | 'NONEXISTENT_LOCAL_TIME'
  | 'IN_THE_PAST'
  | 'TOO_SOON'
  | 'TOO_FAR_AHEAD'
  | 'OUTSIDE_WORKING_HOURS'
  | 'SLOT_UNAVAILABLE';

export interface Block {
  start: number;
  end: number;
}

interface Readings {
  /** Every whole minute of the span in time order, with its wall reading (`YYYY-MM-DD HH:MM`). */
  all: { instant: number; key: string }[];
  /** The first instant of each wall reading. */
  first: Map<string, number>;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const keyOf = (date: string, minute: number) => `${date} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;

export function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export function toHhmm(minute: number): string {
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

export function nextDate(date: string, days = 1): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

const tables = new Map<string, Readings>();
const QUARTER = 15 * MINUTE;

/**
 * Every whole minute from 15 h before the date's naive midnight to 15 h after the next one, with its wall
 * reading. Offsets are asked of Luxon's DateTime every quarter hour, and minute by minute where they change.
 */
function readings(zone: string, date: string): Readings {
  const cacheKey = `${zone}|${date}`;
  const cached = tables.get(cacheKey);
  if (cached) return cached;
  const from = Date.parse(`${date}T00:00:00Z`) - 15 * HOUR;
  const to = Date.parse(`${nextDate(date)}T00:00:00Z`) + 15 * HOUR;
  const offsetAt = (t: number) => DateTime.fromMillis(t, { zone }).offset;
  const all: Readings['all'] = [];
  const first = new Map<string, number>();
  for (let q = from; q < to; q += QUARTER) {
    const steady = offsetAt(q) === offsetAt(q + QUARTER - MINUTE) ? offsetAt(q) : null;
    for (let t = q; t < q + QUARTER; t += MINUTE) {
      const wall = new Date(t + (steady ?? offsetAt(t)) * MINUTE).toISOString();
      const key = `${wall.slice(0, 10)} ${wall.slice(11, 16)}`;
      all.push({ instant: t, key });
      if (!first.has(key)) first.set(key, t);
    }
  }
  const table = { all, first };
  tables.set(cacheKey, table);
  return table;
}

/** The first instant whose wall clock reads exactly `date minute`; null when that reading never happens. */
export function exactInstant(zone: string, date: string, minute: number): number | null {
  const key = keyOf(date, minute);
  return readings(zone, date).first.get(key) ?? null;
}

/** The first instant whose wall clock reads `date minute` or later (`minute` may be 1440: the next midnight). */
export function instantAtOrAfter(zone: string, date: string, minute: number): number {
  const key = minute >= 1440 ? keyOf(nextDate(date), minute - 1440) : keyOf(date, minute);
  const hit = readings(zone, date).all.find((r) => r.key >= key);
  if (!hit) throw new Error(`no reading at or after ${key} in ${zone}`);
  return hit.instant;
}

export function localDateOf(zone: string, instant: number): string {
  return DateTime.fromMillis(instant, { zone }).toISODate()!;
}

const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function windowsOn(schedule: RawSchedule | null, date: string): [number, number][] {
  if (!schedule) return [[0, 1440]];
  const weekday = WEEKDAY_KEYS[DateTime.fromISO(date, { zone: 'UTC' }).weekday - 1];
  const raw = schedule.exceptions[date] ?? schedule.weekly[weekday] ?? [];
  return raw.map(([a, b]): [number, number] => [toMinutes(a), toMinutes(b)]).sort((x, y) => x[0] - y[0]);
}

/** The grid of a date: every `duration` wall minutes from each window's start, tails that fit only. */
export function gridOf(schedule: RawSchedule | null, date: string, duration: number): number[] {
  const out: number[] = [];
  for (const [start, end] of windowsOn(schedule, date)) {
    for (let t = start; t + duration <= end; t += duration) out.push(t);
  }
  return out;
}

export interface Situation {
  zone: string;
  schedule: RawSchedule | null;
  now: number;
  /** Widened spans of what occupies (active and pending bookings, live holds), as stored. */
  blocks: Block[];
  /** How many may overlap at any instant (1 unless given). */
  capacity?: number;
}

/** The most blocks covering one instant of `[from, to)`: counted at every instant where one of them begins. */
function busiest(blocks: Block[], from: number, to: number): number {
  const instants = [from, ...blocks.map((b) => b.start).filter((t) => t > from && t < to)];
  return Math.max(0, ...instants.map((t) => blocks.filter((b) => b.start <= t && t < b.end).length));
}

/** What API.md says a booking at `date minute` for `duration` minutes gets, and where it would start. */
export function expectedVerdict(s: Situation, date: string, minute: number, duration: number): { verdict: Verdict; startsAt?: number; remaining?: number } {
  if (minute + duration > 1440) return { verdict: 'VALIDATION_ERROR' };
  const startsAt = exactInstant(s.zone, date, minute);
  if (startsAt === null) return { verdict: 'NONEXISTENT_LOCAL_TIME' };
  const endsAt = startsAt + duration * MINUTE;
  if (endsAt > instantAtOrAfter(s.zone, date, 1440)) return { verdict: 'VALIDATION_ERROR', startsAt };
  if (startsAt < s.now) return { verdict: 'IN_THE_PAST', startsAt };
  const sc = s.schedule;
  if (sc) {
    if (startsAt < s.now + sc.min_notice_minutes * MINUTE) return { verdict: 'TOO_SOON', startsAt };
    const today = localDateOf(s.zone, s.now);
    const daysAhead = DateTime.fromISO(date, { zone: 'UTC' }).diff(DateTime.fromISO(today, { zone: 'UTC' }), 'days').days;
    if (daysAhead > sc.max_days_ahead) return { verdict: 'TOO_FAR_AHEAD', startsAt };
    // Working hours are the instants from each window's start to its end; the booking's every minute must be one.
    const hours = windowsOn(sc, date).map(([ws, we]) => [instantAtOrAfter(s.zone, date, ws), instantAtOrAfter(s.zone, date, we)]);
    for (let t = startsAt; t < endsAt; t += MINUTE) {
      if (!hours.some(([from, until]) => from <= t && t < until)) return { verdict: 'OUTSIDE_WORKING_HOURS', startsAt };
    }
  }
  const blockStart = startsAt - (sc?.buffer_before_minutes ?? 0) * MINUTE;
  const blockEnd = endsAt + (sc?.buffer_after_minutes ?? 0) * MINUTE;
  const capacity = s.capacity ?? 1;
  const peak = busiest(s.blocks, blockStart, blockEnd);
  if (peak >= capacity) return { verdict: 'SLOT_UNAVAILABLE', startsAt };
  return { verdict: 'OK', startsAt, remaining: capacity - peak };
}
