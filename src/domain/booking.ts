import { ValidationError } from './errors';
import { assertPlainEmailAddress, assertPlainText, assertSingleLine } from './text';

export type BookingStatus = 'active' | 'cancelled';

export interface Booking {
  id: number;
  providerId: number;
  /** Provider-local date and wall-clock start (minutes of the day). */
  date: string;
  startMinute: number;
  durationMinutes: number;
  /** Provider-local wall-clock end, 1440 when the booking ends at midnight. */
  endMinute: number;
  /** The zone the local fields were judged in. */
  timezone: string;
  startsAt: number;
  endsAt: number;
  /** The span widened by the schedule's buffers: what may not overlap another active booking's. */
  blockStart: number;
  blockEnd: number;
  status: BookingStatus;
  customerName: string | null;
  customerEmail: string | null;
  notes: string | null;
  /** The API key that created it (null for in-process callers). */
  createdBy: number | null;
  version: number;
  createdAt: number;
  updatedAt: number;
  cancelledAt: number | null;
}

export interface CustomerFields {
  customerName?: string | null;
  customerEmail?: string | null;
  notes?: string | null;
}

/**
 * Normalises the optional customer fields; `null` clears, `undefined` leaves untouched. The name is one line, the
 * email one plain address, the notes text without control characters other than tabs and line breaks.
 */
export function validateCustomerFields(fields: CustomerFields): CustomerFields {
  const out: CustomerFields = {};
  if (fields.customerName !== undefined) {
    const v = fields.customerName === null ? null : fields.customerName.trim();
    if (v !== null && v.length > 200) throw new ValidationError('customer_name must be at most 200 characters', { field: 'customer_name' });
    out.customerName = v === '' || v === null ? null : assertSingleLine(v, 'customer_name');
  }
  if (fields.customerEmail !== undefined) {
    const v = fields.customerEmail === null ? null : fields.customerEmail.trim();
    out.customerEmail = v === '' || v === null ? null : assertPlainEmailAddress(v, 'customer_email');
  }
  if (fields.notes !== undefined) {
    if (fields.notes !== null && fields.notes.length > 1000) {
      throw new ValidationError('notes must be at most 1000 characters', { field: 'notes' });
    }
    out.notes = fields.notes === '' || fields.notes === null ? null : assertPlainText(fields.notes, 'notes');
  }
  return out;
}

export type BookingEventType = 'booking.created' | 'booking.rescheduled' | 'booking.updated' | 'booking.cancelled';
export const BOOKING_EVENT_TYPES: readonly BookingEventType[] = [
  'booking.created',
  'booking.rescheduled',
  'booking.updated',
  'booking.cancelled',
];

/** What changed, per public field name, as `[old, new]`. */
export type BookingChanges = Record<string, [unknown, unknown]>;

const TRACKED: [keyof Booking, string][] = [
  ['date', 'date'],
  ['startMinute', 'time'],
  ['durationMinutes', 'duration_minutes'],
  ['customerName', 'customer_name'],
  ['customerEmail', 'customer_email'],
  ['notes', 'notes'],
  ['status', 'status'],
];

const RESCHEDULING = new Set(['date', 'time', 'duration_minutes']);

/** The tracked fields that differ between two states of one booking. */
export function diffBookings(before: Booking, after: Booking, formatTime: (minute: number) => string): BookingChanges {
  const changes: BookingChanges = {};
  for (const [key, name] of TRACKED) {
    if (before[key] !== after[key]) {
      changes[name] = key === 'startMinute'
        ? [formatTime(before.startMinute), formatTime(after.startMinute)]
        : [before[key], after[key]];
    }
  }
  return changes;
}

/** A change of date, time or duration is a reschedule, whatever else changes with it. */
export function eventTypeForChanges(changes: BookingChanges): BookingEventType {
  return Object.keys(changes).some((k) => RESCHEDULING.has(k)) ? 'booking.rescheduled' : 'booking.updated';
}
