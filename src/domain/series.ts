import { ValidationError } from './errors';
import { addDays, assertDate } from './local-date';

export type Frequency = 'daily' | 'weekly';

/** How a series repeats: every `interval` days or weeks, `count` times or until a date (inclusive). */
export interface Repeat {
  frequency: Frequency;
  interval: number;
  count?: number;
  until?: string;
}

/** Bookings made together that repeat at the same local wall-clock time. */
export interface Series {
  id: number;
  repeat: Repeat;
  createdBy: number | null;
  createdAt: number;
}

export const MIN_OCCURRENCES = 2;
export const MAX_OCCURRENCES = 104;

/** Checks a repeat rule and normalises it (interval 1 when absent). */
export function validateRepeat(input: { frequency: string; interval?: number; count?: number; until?: string }): Repeat {
  if (input.frequency !== 'daily' && input.frequency !== 'weekly') {
    throw new ValidationError('repeat.frequency must be daily or weekly', { field: 'repeat.frequency' });
  }
  const interval = input.interval ?? 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > 52) {
    throw new ValidationError('repeat.interval must be an integer from 1 to 52', { field: 'repeat.interval' });
  }
  if ((input.count === undefined) === (input.until === undefined)) {
    throw new ValidationError('repeat needs exactly one of count and until', { field: 'repeat' });
  }
  if (input.count !== undefined && (!Number.isInteger(input.count) || input.count < MIN_OCCURRENCES || input.count > MAX_OCCURRENCES)) {
    throw new ValidationError(`repeat.count must be an integer from ${MIN_OCCURRENCES} to ${MAX_OCCURRENCES}`, { field: 'repeat.count' });
  }
  if (input.until !== undefined) assertDate(input.until, 'repeat.until');
  const repeat: Repeat = { frequency: input.frequency, interval };
  if (input.count !== undefined) repeat.count = input.count;
  if (input.until !== undefined) repeat.until = input.until;
  return repeat;
}

/** The local dates of a series starting on `first`: 2 to 104 of them, or a validation error. */
export function occurrenceDates(first: string, repeat: Repeat): string[] {
  const step = repeat.interval * (repeat.frequency === 'weekly' ? 7 : 1);
  const dates: string[] = [];
  for (let date = first; ; date = addDays(date, step)) {
    if (repeat.count !== undefined ? dates.length >= repeat.count : date > repeat.until!) break;
    dates.push(date);
    if (dates.length > MAX_OCCURRENCES) break;
  }
  if (dates.length < MIN_OCCURRENCES || dates.length > MAX_OCCURRENCES) {
    throw new ValidationError(`A series has ${MIN_OCCURRENCES} to ${MAX_OCCURRENCES} occurrences (this one would have ${dates.length > MAX_OCCURRENCES ? 'more' : dates.length})`, {
      field: 'repeat',
    });
  }
  return dates;
}
