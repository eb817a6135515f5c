import { ValidationError } from './errors';
import { assertPlainEmailAddress, assertPlainText, assertSingleLine } from './text';

/** `pending` waits for an admin's confirmation; `declined` is final, like `cancelled`. */
export type BookingStatus = 'active' | 'pending' | 'cancelled' | 'declined';
export const BOOKING_STATUSES: readonly BookingStatus[] = ['active', 'pending', 'cancelled', 'declined'];

/** Active and pending bookings take their span on every provider; cancelled and declined ones take nothing. */
export function isOccupying(status: BookingStatus): boolean {
  return status === 'active' || status === 'pending';
}

export interface Booking {
  id: number;
  /** The first of `providerIds`. */
  providerId: number;
  /** The providers it takes: one per pool of its service, in pool order, or the one it was booked with. */
  providerIds: number[];
  /** The service it was booked through, or null for a booking of one provider. */
  serviceId: number | null;
  /** The series it is an occurrence of, or null. */
  seriesId: number | null;
  /** Local date and wall-clock start (minutes of the day) in `timezone`. */
  date: string;
  startMinute: number;
  durationMinutes: number;
  /** Local wall-clock end, 1440 when the booking ends at midnight. */
  endMinute: number;
  /** The zone the local fields are read in: the provider's, or the service's for a service booking. */
  timezone: string;
  startsAt: number;
  endsAt: number;
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
  /**
   * Hash of the manage token of a booking made before tokens were derived from the booking id (see `ManageTokens`);
   * null for every later booking, whose token is derived and stored nowhere.
   */
  manageTokenHash: string | null;
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

export type BookingEventType =
  | 'booking.created'
  | 'booking.rescheduled'
  | 'booking.updated'
  | 'booking.cancelled'
  | 'booking.confirmed'
  | 'booking.declined';
export const BOOKING_EVENT_TYPES: readonly BookingEventType[] = [
  'booking.created',
  'booking.rescheduled',
  'booking.updated',
  'booking.cancelled',
  'booking.confirmed',
  'booking.declined',
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
  ['providerIds', 'provider_ids'],
];

const RESCHEDULING = new Set(['date', 'time', 'duration_minutes']);

/** The tracked fields that differ between two states of one booking. */
export function diffBookings(before: Booking, after: Booking, formatTime: (minute: number) => string): BookingChanges {
  const changes: BookingChanges = {};
  for (const [key, name] of TRACKED) {
    const differs = Array.isArray(before[key]) ? String(before[key]) !== String(after[key]) : before[key] !== after[key];
    if (differs) {
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
