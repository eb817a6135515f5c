import { ValidationError } from './errors';
import { formatMinutes, isValidDate, parseWindowTime, Weekday, WEEKDAYS, weekdayOf } from './local-date';

/** Working window in minutes of the local day, half-open `[start, end)`. */
export interface Window {
  start: number;
  end: number;
}

export interface ScheduleProps {
  weekly: Partial<Record<Weekday, Window[]>>;
  exceptions: Record<string, Window[]>;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minNoticeMinutes: number;
  maxDaysAhead: number;
  /** Change policy: clients and customers cannot cancel, or move, a booking starting sooner than this. */
  minCancelNoticeMinutes: number;
  minRescheduleNoticeMinutes: number;
}

/** The raw, string-based form a schedule arrives and leaves in. */
export interface ScheduleInput {
  weekly: Record<string, [string, string][]>;
  exceptions?: Record<string, [string, string][]>;
  buffer_before_minutes?: number;
  buffer_after_minutes?: number;
  min_notice_minutes?: number;
  max_days_ahead?: number;
  min_cancel_notice_minutes?: number;
  min_reschedule_notice_minutes?: number;
}

export interface ScheduleView {
  weekly: Record<string, [string, string][]>;
  exceptions: Record<string, [string, string][]>;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  min_notice_minutes: number;
  max_days_ahead: number;
  min_cancel_notice_minutes: number;
  min_reschedule_notice_minutes: number;
}

const ALL_DAY: readonly Window[] = [{ start: 0, end: 1440 }];

function intInRange(value: number | undefined, fallback: number, min: number, max: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`${field} must be an integer from ${min} to ${max}`, { field });
  }
  return v;
}

function parseWindows(raw: unknown, where: string): Window[] {
  if (!Array.isArray(raw)) throw new ValidationError(`${where} must be a list of [start, end] windows`, { field: where });
  const windows = raw.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new ValidationError(`${where}[${i}] must be a pair of times ["HH:MM", "HH:MM"]`, { field: where });
    }
    const start = parseWindowTime(pair[0]);
    const end = parseWindowTime(pair[1]);
    if (start === null || end === null || start === 1440) {
      throw new ValidationError(`${where}[${i}] has a malformed time (use HH:MM; only an end may be 24:00)`, { field: where });
    }
    if (end <= start) {
      throw new ValidationError(`${where}[${i}] ends at or before it starts (${pair[0]}-${pair[1]})`, { field: where });
    }
    return { start, end };
  });
  windows.sort((a, b) => a.start - b.start);
  for (let i = 1; i < windows.length; i++) {
    if (windows[i].start < windows[i - 1].end) {
      throw new ValidationError(
        `${where} has overlapping windows (${formatMinutes(windows[i - 1].start)}-${formatMinutes(windows[i - 1].end)} and ${formatMinutes(windows[i].start)}-${formatMinutes(windows[i].end)})`,
        { field: where },
      );
    }
  }
  return windows;
}

/** A provider's working hours and booking limits. Absent weekdays are closed; a dated exception replaces its weekday. */
export class Schedule {
  private constructor(readonly props: ScheduleProps) {}

  /** From stored properties; change-policy fields stored before they existed read as 0. */
  static fromProps(props: Omit<ScheduleProps, 'minCancelNoticeMinutes' | 'minRescheduleNoticeMinutes'> & Partial<ScheduleProps>): Schedule {
    return new Schedule({ ...props, minCancelNoticeMinutes: props.minCancelNoticeMinutes ?? 0, minRescheduleNoticeMinutes: props.minRescheduleNoticeMinutes ?? 0 });
  }

  /** Validates and normalises (sorts windows); throws ValidationError naming the problem. */
  static parse(input: ScheduleInput): Schedule {
    if (input.weekly === null || typeof input.weekly !== 'object' || Array.isArray(input.weekly)) {
      throw new ValidationError('weekly must be an object of weekday to windows', { field: 'weekly' });
    }
    const weekly: Partial<Record<Weekday, Window[]>> = {};
    for (const [day, raw] of Object.entries(input.weekly)) {
      if (!(WEEKDAYS as readonly string[]).includes(day)) {
        throw new ValidationError(`weekly has an unknown day "${day}" (use mon, tue, wed, thu, fri, sat, sun)`, { field: 'weekly' });
      }
      weekly[day as Weekday] = parseWindows(raw, `weekly.${day}`);
    }
    const exceptions: Record<string, Window[]> = {};
    for (const [date, raw] of Object.entries(input.exceptions ?? {})) {
      if (!isValidDate(date)) {
        throw new ValidationError(`exceptions has an invalid date "${date}" (use YYYY-MM-DD)`, { field: 'exceptions' });
      }
      exceptions[date] = parseWindows(raw, `exceptions.${date}`);
    }
    return new Schedule({
      weekly,
      exceptions,
      bufferBeforeMinutes: intInRange(input.buffer_before_minutes, 0, 0, 240, 'buffer_before_minutes'),
      bufferAfterMinutes: intInRange(input.buffer_after_minutes, 0, 0, 240, 'buffer_after_minutes'),
      minNoticeMinutes: intInRange(input.min_notice_minutes, 0, 0, 525_600, 'min_notice_minutes'),
      maxDaysAhead: intInRange(input.max_days_ahead, 365, 1, 3650, 'max_days_ahead'),
      minCancelNoticeMinutes: intInRange(input.min_cancel_notice_minutes, 0, 0, 525_600, 'min_cancel_notice_minutes'),
      minRescheduleNoticeMinutes: intInRange(input.min_reschedule_notice_minutes, 0, 0, 525_600, 'min_reschedule_notice_minutes'),
    });
  }

  /** The working windows of a local date. */
  windowsOn(date: string): readonly Window[] {
    return this.props.exceptions[date] ?? this.props.weekly[weekdayOf(date)] ?? [];
  }

  toView(): ScheduleView {
    const fmt = (ws: Window[]) => ws.map((w): [string, string] => [formatMinutes(w.start), formatMinutes(w.end)]);
    const weekly: Record<string, [string, string][]> = {};
    for (const day of WEEKDAYS) {
      const ws = this.props.weekly[day];
      if (ws) weekly[day] = fmt(ws);
    }
    const exceptions: Record<string, [string, string][]> = {};
    for (const date of Object.keys(this.props.exceptions).sort()) exceptions[date] = fmt(this.props.exceptions[date]);
    return {
      weekly,
      exceptions,
      buffer_before_minutes: this.props.bufferBeforeMinutes,
      buffer_after_minutes: this.props.bufferAfterMinutes,
      min_notice_minutes: this.props.minNoticeMinutes,
      max_days_ahead: this.props.maxDaysAhead,
      min_cancel_notice_minutes: this.props.minCancelNoticeMinutes,
      min_reschedule_notice_minutes: this.props.minRescheduleNoticeMinutes,
    };
  }
}

/** Without a schedule a provider is open all day, every day, with no buffers or limits. */
export function windowsFor(schedule: Schedule | null, date: string): readonly Window[] {
  return schedule ? schedule.windowsOn(date) : ALL_DAY;
}
