import {
  DomainError,
  InThePastError,
  NonexistentLocalTimeError,
  OutsideWorkingHoursError,
  SlotUnavailableError,
  TooFarAheadError,
  TooSoonError,
  ValidationError,
} from './errors';
import { addDays, daysBetween, formatMinutes, MINUTES_PER_DAY } from './local-date';
import { Schedule, Window, windowsFor } from './schedule';
import { TimeZones } from './time-zones';

const MINUTE_MS = 60_000;

/** Everything the booking rule judges against, besides the other bookings. */
export interface CalendarContext {
  zones: TimeZones;
  timezone: string;
  schedule: Schedule | null;
  now: number;
}

/** Another active booking's widened span. */
export interface OccupiedSpan {
  id: number;
  blockStart: number;
  blockEnd: number;
}

/** Where a booking lands in real time. */
export interface PlacedSpan {
  date: string;
  startMinute: number;
  durationMinutes: number;
  endMinute: number;
  startsAt: number;
  endsAt: number;
  blockStart: number;
  blockEnd: number;
}

export type Refusal =
  | { reason: 'CROSSES_MIDNIGHT' }
  | { reason: 'NONEXISTENT_LOCAL_TIME' }
  | { reason: 'IN_THE_PAST' }
  | { reason: 'TOO_SOON' }
  | { reason: 'TOO_FAR_AHEAD' }
  | { reason: 'OUTSIDE_WORKING_HOURS' }
  | { reason: 'SLOT_UNAVAILABLE'; conflictingBookingId: number };

export type Assessment = { ok: true; span: PlacedSpan } | ({ ok: false } & Refusal);

/** A booking may end at midnight but not cross it (wall-clock check, before any zone is consulted). */
export function assertWithinDay(startMinute: number, durationMinutes: number): void {
  if (startMinute + durationMinutes > MINUTES_PER_DAY) {
    throw new ValidationError('A booking may end at midnight but not cross it', { field: 'duration_minutes' });
  }
}

/** The first instant whose wall clock reads `minute` or later on `date` (the end of a skipped gap for a skipped time). */
function instantAtOrAfter(ctx: CalendarContext, date: string, minute: number): number {
  if (minute >= MINUTES_PER_DAY) return instantAtOrAfter(ctx, addDays(date, 1), 0);
  for (let m = minute; m < MINUTES_PER_DAY; m++) {
    const t = ctx.zones.toInstant(date, m, ctx.timezone);
    if (t !== null) return t;
  }
  return instantAtOrAfter(ctx, addDays(date, 1), 0);
}

/**
 * Working hours of a date as sorted, disjoint real-time runs: the union of the windows' spans, so a booking may run
 * from one window into an adjacent one (09:00-12:00 and 12:00-17:00), or across a skipped hour between two.
 */
function workingHours(ctx: CalendarContext, windows: readonly Window[], date: string): [number, number][] {
  const runs: [number, number][] = [];
  for (const w of windows) {
    const from = instantAtOrAfter(ctx, date, w.start);
    const until = instantAtOrAfter(ctx, date, w.end);
    const last = runs[runs.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], until);
    else runs.push([from, until]);
  }
  return runs;
}

/** What the rule needs to know about a date, worked out once however many start times are judged on it. */
interface DayFacts {
  date: string;
  nextMidnight: number;
  /** Working hours; null without a schedule (the whole day, no limits). */
  hours: readonly [number, number][] | null;
  tooFarAhead: boolean;
}

function dayFacts(ctx: CalendarContext, date: string): DayFacts {
  const schedule = ctx.schedule;
  return {
    date,
    nextMidnight: instantAtOrAfter(ctx, date, MINUTES_PER_DAY),
    hours: schedule ? workingHours(ctx, schedule.windowsOn(date), date) : null,
    tooFarAhead: schedule ? daysBetween(ctx.zones.toLocal(ctx.now, ctx.timezone).date, date) > schedule.props.maxDaysAhead : false,
  };
}

/**
 * Finds an occupied span overlapping `[start, end)`. `occupied` must be sorted by `blockStart` and free of
 * mutual overlaps, as active bookings always are, so a binary search suffices.
 */
export function findConflict(occupied: readonly OccupiedSpan[], start: number, end: number): OccupiedSpan | null {
  let lo = 0;
  let hi = occupied.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (occupied[mid].blockEnd <= start) lo = mid + 1;
    else hi = mid;
  }
  const candidate = occupied[lo];
  return candidate !== undefined && candidate.blockStart < end ? candidate : null;
}

type Judgement = { ok: true; startsAt: number; endsAt: number; blockStart: number; blockEnd: number } | ({ ok: false } & Refusal);

/**
 * The one booking rule, used both to accept bookings and to list availability. Judges, in the contract's order:
 * midnight crossing, a skipped wall time, the past, minimum notice, the horizon, working hours, then overlap of
 * the buffer-widened span with other active bookings.
 */
function judge(ctx: CalendarContext, day: DayFacts, startMinute: number, durationMinutes: number, occupied: readonly OccupiedSpan[]): Judgement {
  if (startMinute + durationMinutes > MINUTES_PER_DAY) return { ok: false, reason: 'CROSSES_MIDNIGHT' };
  const startsAt = ctx.zones.toInstant(day.date, startMinute, ctx.timezone);
  if (startsAt === null) return { ok: false, reason: 'NONEXISTENT_LOCAL_TIME' };
  const endsAt = startsAt + durationMinutes * MINUTE_MS;
  if (endsAt > day.nextMidnight) return { ok: false, reason: 'CROSSES_MIDNIGHT' };
  if (startsAt < ctx.now) return { ok: false, reason: 'IN_THE_PAST' };
  const schedule = ctx.schedule;
  if (schedule && day.hours) {
    if (startsAt < ctx.now + schedule.props.minNoticeMinutes * MINUTE_MS) return { ok: false, reason: 'TOO_SOON' };
    if (day.tooFarAhead) return { ok: false, reason: 'TOO_FAR_AHEAD' };
    if (!day.hours.some(([from, until]) => startsAt >= from && endsAt <= until)) return { ok: false, reason: 'OUTSIDE_WORKING_HOURS' };
  }
  const blockStart = startsAt - (schedule?.props.bufferBeforeMinutes ?? 0) * MINUTE_MS;
  const blockEnd = endsAt + (schedule?.props.bufferAfterMinutes ?? 0) * MINUTE_MS;
  const conflict = findConflict(occupied, blockStart, blockEnd);
  if (conflict) return { ok: false, reason: 'SLOT_UNAVAILABLE', conflictingBookingId: conflict.id };
  return { ok: true, startsAt, endsAt, blockStart, blockEnd };
}

/** Judges one booking by the one rule (see `judge`) and, when it is accepted, where it lands. */
export function assessBooking(
  ctx: CalendarContext,
  date: string,
  startMinute: number,
  durationMinutes: number,
  occupied: readonly OccupiedSpan[],
): Assessment {
  if (startMinute + durationMinutes > MINUTES_PER_DAY) return { ok: false, reason: 'CROSSES_MIDNIGHT' };
  const day = dayFacts(ctx, date);
  const j = judge(ctx, day, startMinute, durationMinutes, occupied);
  if (!j.ok) return j;
  const endMinute = j.endsAt === day.nextMidnight ? MINUTES_PER_DAY : ctx.zones.toLocal(j.endsAt, ctx.timezone).minute;
  const { startsAt, endsAt, blockStart, blockEnd } = j;
  return { ok: true, span: { date, startMinute, durationMinutes, endMinute, startsAt, endsAt, blockStart, blockEnd } };
}

export function refusalToError(refusal: Refusal, ctx: CalendarContext, date: string, startMinute: number): DomainError {
  switch (refusal.reason) {
    case 'CROSSES_MIDNIGHT':
      return new ValidationError('A booking may end at midnight but not cross it', { field: 'duration_minutes' });
    case 'NONEXISTENT_LOCAL_TIME':
      return new NonexistentLocalTimeError(date, formatMinutes(startMinute), ctx.timezone);
    case 'IN_THE_PAST':
      return new InThePastError();
    case 'TOO_SOON':
      return new TooSoonError(ctx.schedule?.props.minNoticeMinutes ?? 0);
    case 'TOO_FAR_AHEAD':
      return new TooFarAheadError(ctx.schedule?.props.maxDaysAhead ?? 0);
    case 'OUTSIDE_WORKING_HOURS':
      return new OutsideWorkingHoursError();
    case 'SLOT_UNAVAILABLE':
      return new SlotUnavailableError(refusal.conflictingBookingId);
  }
}

/** Places a booking or throws the first rule it breaks. */
export function placeBooking(
  ctx: CalendarContext,
  date: string,
  startMinute: number,
  durationMinutes: number,
  occupied: readonly OccupiedSpan[],
): PlacedSpan {
  const result = assessBooking(ctx, date, startMinute, durationMinutes, occupied);
  if (!result.ok) throw refusalToError(result, ctx, date, startMinute);
  return result.span;
}

/** Grid start times of a date: every `duration` wall-clock minutes from each window's start, tails that fit only. */
export function gridTimes(schedule: Schedule | null, date: string, durationMinutes: number): number[] {
  const times: number[] = [];
  for (const w of windowsFor(schedule, date)) {
    for (let t = w.start; t + durationMinutes <= w.end; t += durationMinutes) times.push(t);
  }
  return times;
}

/** The grid times of a date at which a booking of `duration` would be accepted now: the same rule as acceptance. */
export function availableSlots(
  ctx: CalendarContext,
  date: string,
  durationMinutes: number,
  occupied: readonly OccupiedSpan[],
): number[] {
  const grid = gridTimes(ctx.schedule, date, durationMinutes);
  if (grid.length === 0) return grid;
  const day = dayFacts(ctx, date);
  return grid.filter((t) => judge(ctx, day, t, durationMinutes, occupied).ok);
}

/** The widest widened span a booking can have, so a repository can bound an index range scan from below. */
export const MAX_BLOCK_MS = (480 + 240 + 240) * MINUTE_MS;

/** The real-time range that can hold bookings touching local dates `from..to` in any zone (UTC-12..UTC+14). */
export function instantRangeOfDates(from: string, to: string): { start: number; end: number } {
  const start = Date.parse(`${from}T00:00:00Z`) - 14 * 3_600_000;
  const end = Date.parse(`${addDays(to, 1)}T00:00:00Z`) + 12 * 3_600_000;
  return { start, end };
}
