/**
 * Instants (milliseconds since the epoch) as ISO 8601 text in UTC, exactly as `Date#toISOString` writes them,
 * several times faster: a page of bookings writes four timestamps per booking, and `toISOString` was a tenth of
 * the CPU time of listing them. The date part is worked out once per UTC day and kept; the time is arithmetic.
 */

const DAY_MS = 86_400_000;
/** The Date range: beyond it `toISOString` throws a RangeError. */
const DATE_LIMIT_MS = 8.64e15;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** Days kept at most; past it the cache starts again (it only ever holds days that something asked for). */
const DAY_LIMIT = 20_000;
const dayPrefixes = new Map<number, string>();

/** `YYYY-MM-DDT` of a UTC day number. */
function dayPrefix(day: number): string {
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, -13);
    if (dayPrefixes.size >= DAY_LIMIT) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  return prefix;
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, as `new Date(ms).toISOString()`. */
export function isoUtc(ms: number): string {
  // Fractions, NaN and instants out of range, as Date handles them (a RangeError for the last two).
  if (!Number.isInteger(ms) || Math.abs(ms) > DATE_LIMIT_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  const inDay = ms - day * DAY_MS;
  const seconds = Math.floor(inDay / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds - hours * 3600) / 60);
  return `${dayPrefix(day)}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds - hours * 3600 - minutes * 60]}.${THREE_DIGITS[inDay - seconds * 1000]}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS` (no fraction, no zone) of an instant read in UTC. */
export function isoUtcSeconds(ms: number): string {
  return isoUtc(ms).slice(0, -5);
}
