import { ValidationError } from './errors';

/** A calendar date `YYYY-MM-DD` and wall-clock minutes of a day; pure calendar arithmetic, no time zones. */

export const MINUTES_PER_DAY = 1440;

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const REQUEST_TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::(\d{2}))?$/;
const WINDOW_TIME_RE = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DAY_MS = 86_400_000;

export function isValidDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

export function assertDate(value: string, field = 'date'): string {
  if (!isValidDate(value)) throw new ValidationError(`${field} must be a real calendar date in the form YYYY-MM-DD`, { field });
  return value;
}

function dayNumber(date: string): number {
  return Math.floor(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS);
}

function fromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

export function weekdayOf(date: string): Weekday {
  // 1970-01-01 was a Thursday.
  return WEEKDAYS[(((dayNumber(date) + 3) % 7) + 7) % 7];
}

/** Parses a request time `HH:MM` or `HH:MM:00` into minutes of the day. */
export function parseRequestTime(value: string, field = 'time'): number {
  const m = REQUEST_TIME_RE.exec(value);
  if (!m) throw new ValidationError(`${field} must be a time in the form HH:MM`, { field });
  if (m[3] !== undefined && m[3] !== '00') throw new ValidationError(`${field} must have :00 seconds`, { field });
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Parses a schedule time `HH:MM` (`24:00` allowed) into minutes of the day, or null when malformed. */
export function parseWindowTime(value: string): number | null {
  const m = WINDOW_TIME_RE.exec(value);
  if (!m) return null;
  return m[3] ? MINUTES_PER_DAY : Number(m[1]) * 60 + Number(m[2]);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM` for minutes of the day (1440 is `24:00`). */
export function formatMinutes(minute: number): string {
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

/** `HH:MM:SS` for minutes of the day (1440 is `24:00:00`). */
export function formatMinutesWithSeconds(minute: number): string {
  return `${formatMinutes(minute)}:00`;
}
