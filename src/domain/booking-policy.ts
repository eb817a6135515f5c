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
import { firstReaching, isLive, Occupancy, peakOverlap, Placement } from './occupancy';
import { Schedule, Window, windowsFor } from './schedule';
import { TimeZones } from './time-zones';

const MINUTE_MS = 60_000;

/** A provider's own rules: its zone, its schedule (null: open all day, every day, no limits) and its capacity. */
export interface ProviderRules {
  providerId: number;
  timezone: string;
  schedule: Schedule | null;
  capacity: number;
}

/** Where a booking lands in real time, with its wall-clock reading in the zone it was asked in. */
export interface PlacedSpan {
  date: string;
  startMinute: number;
  durationMinutes: number;
  endMinute: number;
  startsAt: number;
  endsAt: number;
}

export type Refusal =
  | { reason: 'CROSSES_MIDNIGHT' }
  | { reason: 'NONEXISTENT_LOCAL_TIME' }
  | { reason: 'IN_THE_PAST' }
  | { reason: 'TOO_SOON' }
  | { reason: 'TOO_FAR_AHEAD' }
  | { reason: 'OUTSIDE_WORKING_HOURS' }
  /** Full: the bookings (not holds) overlapping the span, which a refusal may name. */
  | { reason: 'SLOT_UNAVAILABLE'; conflictingBookingIds: number[] };

/** A provider takes a span: where, and what the write must do besides inserting it. */
export interface Admission {
  placement: Placement;
  /** Expired holds overlapping the span: they occupy nothing, and the write releases them so the lane is free. */
  expired: number[];
  /** Every lane is held by something overlapping, yet fewer than `capacity` overlap at once: lanes must be reassigned. */
  relane: boolean;
  /** Further bookings the same span would still accept after this one, plus one: at least 1. */
  remaining: number;
}

/** A booking may end at midnight but not cross it (wall-clock check, before any zone is consulted). */
export function assertWithinDay(startMinute: number, durationMinutes: number): void {
  if (startMinute + durationMinutes > MINUTES_PER_DAY) {
    throw new ValidationError('A booking may end at midnight but not cross it', { field: 'duration_minutes' });
  }
}

/** The first instant whose wall clock reads `minute` or later on `date` (the end of a skipped gap for a skipped time). */
export function instantAtOrAfter(zones: TimeZones, timezone: string, date: string, minute: number): number {
  if (minute >= MINUTES_PER_DAY) return instantAtOrAfter(zones, timezone, addDays(date, 1), 0);
  for (let m = minute; m < MINUTES_PER_DAY; m++) {
    const t = zones.toInstant(date, m, timezone);
    if (t !== null) return t;
  }
  return instantAtOrAfter(zones, timezone, addDays(date, 1), 0);
}

/**
 * Reads a local date and start in `timezone` as a real span: refused when the wall time does not exist that day
 * (a spring-forward gap) or when the span would run past local midnight. An ambiguous wall time (a fall-back
 * repeat) means its first occurrence.
 */
export function spanAt(
  zones: TimeZones,
  timezone: string,
  date: string,
  startMinute: number,
  durationMinutes: number,
): { ok: true; span: PlacedSpan } | ({ ok: false } & Refusal) {
  if (startMinute + durationMinutes > MINUTES_PER_DAY) return { ok: false, reason: 'CROSSES_MIDNIGHT' };
  const startsAt = zones.toInstant(date, startMinute, timezone);
  if (startsAt === null) return { ok: false, reason: 'NONEXISTENT_LOCAL_TIME' };
  const endsAt = startsAt + durationMinutes * MINUTE_MS;
  const nextMidnight = instantAtOrAfter(zones, timezone, date, MINUTES_PER_DAY);
  if (endsAt > nextMidnight) return { ok: false, reason: 'CROSSES_MIDNIGHT' };
  const endMinute = endsAt === nextMidnight ? MINUTES_PER_DAY : zones.toLocal(endsAt, timezone).minute;
  return { ok: true, span: { date, startMinute, durationMinutes, endMinute, startsAt, endsAt } };
}

/**
 * Working hours of a date as sorted, disjoint real-time runs: the union of the windows' spans, so a booking may run
 * from one window into an adjacent one (09:00-12:00 and 12:00-17:00), or across a skipped hour between two.
 */
function workingHours(zones: TimeZones, timezone: string, windows: readonly Window[], date: string): [number, number][] {
  const runs: [number, number][] = [];
  for (const w of windows) {
    const from = instantAtOrAfter(zones, timezone, date, w.start);
    const until = instantAtOrAfter(zones, timezone, date, w.end);
    const last = runs[runs.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], until);
    else runs.push([from, until]);
  }
  return runs;
}

/** What the rule needs about one of the provider's local dates, worked out once however many spans are judged on it. */
interface DayFacts {
  hours: [number, number][];
  nextMidnight: number;
  tooFarAhead: boolean;
}

/**
 * One provider's half of the one booking rule, used both to accept bookings and to list availability: a real span
 * is judged, in the contract's order, by minimum notice, horizon and working hours (in the provider's zone), then
 * by capacity over the span widened by its buffers. Built over the provider's occupancies near the spans judged.
 */
export class ProviderJudge {
  private readonly days = new Map<string, DayFacts>();
  private readonly occupied: Occupancy[];

  constructor(
    private readonly zones: TimeZones,
    readonly rules: ProviderRules,
    /** Sorted by `blockStart`. */
    occupied: readonly Occupancy[],
    private readonly now: number,
    /** A booking being moved: its own occupancy is not in its way. */
    excludeBookingId?: number,
  ) {
    this.occupied = excludeBookingId === undefined ? [...occupied] : occupied.filter((o) => o.bookingId !== excludeBookingId);
  }

  private day(date: string): DayFacts {
    let facts = this.days.get(date);
    if (!facts) {
      const { timezone, schedule } = this.rules;
      const today = this.zones.toLocal(this.now, timezone).date;
      facts = {
        hours: schedule ? workingHours(this.zones, timezone, schedule.windowsOn(date), date) : [],
        nextMidnight: instantAtOrAfter(this.zones, timezone, date, MINUTES_PER_DAY),
        tooFarAhead: schedule ? daysBetween(today, date) > schedule.props.maxDaysAhead : false,
      };
      this.days.set(date, facts);
    }
    return facts;
  }

  private withinHours(startsAt: number, endsAt: number): boolean {
    const date = this.zones.toLocal(startsAt, this.rules.timezone).date;
    const today = this.day(date);
    if (today.hours.some(([from, until]) => startsAt >= from && endsAt <= until)) return true;
    if (endsAt <= today.nextMidnight) return false;
    // A span in another zone may run past this provider's midnight: one run may continue into the next date's.
    const next = this.day(addDays(date, 1)).hours;
    const last = today.hours[today.hours.length - 1];
    const first = next[0];
    return last !== undefined && first !== undefined && first[0] <= last[1] && startsAt >= last[0] && endsAt <= first[1];
  }

  /** Judges a real span; the booking-level checks (the wall time, the past) come before this. */
  admit(startsAt: number, endsAt: number): { ok: true; admission: Admission } | ({ ok: false } & Refusal) {
    const { schedule, capacity, providerId } = this.rules;
    if (schedule) {
      if (startsAt < this.now + schedule.props.minNoticeMinutes * MINUTE_MS) return { ok: false, reason: 'TOO_SOON' };
      if (this.day(this.zones.toLocal(startsAt, this.rules.timezone).date).tooFarAhead) return { ok: false, reason: 'TOO_FAR_AHEAD' };
      if (!this.withinHours(startsAt, endsAt)) return { ok: false, reason: 'OUTSIDE_WORKING_HOURS' };
    }
    const blockStart = startsAt - (schedule?.props.bufferBeforeMinutes ?? 0) * MINUTE_MS;
    const blockEnd = endsAt + (schedule?.props.bufferAfterMinutes ?? 0) * MINUTE_MS;
    const live: Occupancy[] = [];
    const expired: number[] = [];
    for (let i = firstReaching(this.occupied, blockStart); i < this.occupied.length; i++) {
      const o = this.occupied[i];
      if (o.blockStart >= blockEnd) break;
      if (o.blockEnd <= blockStart) continue;
      if (isLive(o, this.now)) live.push(o);
      else expired.push(o.id);
    }
    const peak = capacity === 1 ? Math.min(live.length, 1) : peakOverlap(live, blockStart, blockEnd);
    if (peak >= capacity) {
      const ids = live.filter((o) => o.bookingId !== null).map((o) => o.bookingId as number);
      return { ok: false, reason: 'SLOT_UNAVAILABLE', conflictingBookingIds: ids };
    }
    const taken = new Set(live.map((o) => o.lane));
    let lane = 1;
    while (taken.has(lane)) lane++;
    const relane = lane > capacity;
    return {
      ok: true,
      admission: { placement: { providerId, lane: relane ? 0 : lane, blockStart, blockEnd }, expired, relane, remaining: capacity - peak },
    };
  }

  /** Counts what a placed span now takes, for what is judged next (the next occurrence of a series). */
  take(placement: Placement, startsAt: number): void {
    const o: Occupancy = { id: 0, providerId: placement.providerId, lane: placement.lane, blockStart: placement.blockStart, blockEnd: placement.blockEnd, startsAt, bookingId: null, holdId: null, expiresAt: null };
    const at = this.occupied.findIndex((x) => x.blockStart > o.blockStart);
    this.occupied.splice(at < 0 ? this.occupied.length : at, 0, o);
  }

  /** Live occupancies of bookings (holds not counted) starting in `[from, to)`: how busy the provider is that day. */
  bookingsStartingIn(from: number, to: number): number {
    return this.occupied.filter((o) => o.bookingId !== null && o.startsAt >= from && o.startsAt < to && isLive(o, this.now)).length;
  }

  /** The live occupancies overlapping `[from, to)`. */
  liveOverlapping(from: number, to: number): Occupancy[] {
    return this.occupied.filter((o) => o.blockStart < to && o.blockEnd > from && isLive(o, this.now));
  }
}

export function refusalToError(refusal: Refusal, timezone: string, date: string, startMinute: number, rules?: ProviderRules): DomainError {
  switch (refusal.reason) {
    case 'CROSSES_MIDNIGHT':
      return new ValidationError('A booking may end at midnight but not cross it', { field: 'duration_minutes' });
    case 'NONEXISTENT_LOCAL_TIME':
      return new NonexistentLocalTimeError(date, formatMinutes(startMinute), timezone);
    case 'IN_THE_PAST':
      return new InThePastError();
    case 'TOO_SOON':
      return new TooSoonError(rules?.schedule?.props.minNoticeMinutes ?? 0);
    case 'TOO_FAR_AHEAD':
      return new TooFarAheadError(rules?.schedule?.props.maxDaysAhead ?? 0);
    case 'OUTSIDE_WORKING_HOURS':
      return new OutsideWorkingHoursError();
    case 'SLOT_UNAVAILABLE':
      return new SlotUnavailableError(refusal.conflictingBookingIds[0]);
  }
}

/** Grid start times of a date: every `duration` wall-clock minutes from each window's start, tails that fit only. */
export function gridTimes(schedule: Schedule | null, date: string, durationMinutes: number): number[] {
  const times: number[] = [];
  for (const w of windowsFor(schedule, date)) {
    for (let t = w.start; t + durationMinutes <= w.end; t += durationMinutes) times.push(t);
  }
  return times;
}

/** A provider's bookable start times of a date for a duration, with how many more bookings each would take: the acceptance rule itself. */
export function providerSlots(
  zones: TimeZones,
  judge: ProviderJudge,
  date: string,
  durationMinutes: number,
  now: number,
): { minute: number; remaining: number }[] {
  const slots: { minute: number; remaining: number }[] = [];
  for (const minute of gridTimes(judge.rules.schedule, date, durationMinutes)) {
    const placed = spanAt(zones, judge.rules.timezone, date, minute, durationMinutes);
    if (!placed.ok || placed.span.startsAt < now) continue;
    const admitted = judge.admit(placed.span.startsAt, placed.span.endsAt);
    if (admitted.ok) slots.push({ minute, remaining: admitted.admission.remaining });
  }
  return slots;
}

/** The real-time range that can hold bookings touching local dates `from..to` in any zone (UTC-12..UTC+14). */
export function instantRangeOfDates(from: string, to: string): { start: number; end: number } {
  const start = Date.parse(`${from}T00:00:00Z`) - 14 * 3_600_000;
  const end = Date.parse(`${addDays(to, 1)}T00:00:00Z`) + 12 * 3_600_000;
  return { start, end };
}
