import { ValidationError } from './errors';
import { assertPlainEmailAddress, assertSingleLine } from './text';
import { TimeZones } from './time-zones';

export interface Provider {
  id: number;
  name: string;
  email: string;
  timezone: string;
  defaultDurationMinutes: number;
  /** How many bookings and holds may overlap at any instant (1: no overlap). */
  capacity: number;
  /** Secret that opens the provider's calendar feed to calendar apps. */
  calendarToken: string;
  /**
   * Rises with every change to the provider's own rules (schedule, zone, capacity); a booking decided against the
   * rules of one revision is written only while that revision holds.
   */
  revision: number;
  createdAt: number;
  updatedAt: number;
}

export interface ProviderFields {
  name: string;
  email: string;
  timezone: string;
  defaultDurationMinutes: number;
  capacity: number;
}

export const CAPACITY_MAX = 1000;

export const DURATION_MIN = 5;
export const DURATION_MAX = 480;

export function assertDuration(value: number, field = 'duration_minutes'): number {
  if (!Number.isInteger(value) || value < DURATION_MIN || value > DURATION_MAX) {
    throw new ValidationError(`${field} must be an integer from ${DURATION_MIN} to ${DURATION_MAX}`, { field });
  }
  return value;
}

/** Checks and normalises provider fields (trimmed one-line name, one trimmed plain email address, a known IANA zone). */
export function validateProviderFields(fields: Partial<ProviderFields>, zones: TimeZones): Partial<ProviderFields> {
  const out: Partial<ProviderFields> = {};
  if (fields.name !== undefined) {
    const name = fields.name.trim();
    if (name.length === 0 || name.length > 200) {
      throw new ValidationError('name must be 1 to 200 characters', { field: 'name' });
    }
    out.name = assertSingleLine(name, 'name');
  }
  if (fields.email !== undefined) out.email = assertPlainEmailAddress(fields.email, 'email');
  if (fields.timezone !== undefined) {
    if (!zones.isValid(fields.timezone)) {
      throw new ValidationError(`timezone "${fields.timezone}" is not a known IANA time zone`, { field: 'timezone' });
    }
    out.timezone = fields.timezone;
  }
  if (fields.defaultDurationMinutes !== undefined) {
    out.defaultDurationMinutes = assertDuration(fields.defaultDurationMinutes, 'default_duration_minutes');
  }
  if (fields.capacity !== undefined) {
    if (!Number.isInteger(fields.capacity) || fields.capacity < 1 || fields.capacity > CAPACITY_MAX) {
      throw new ValidationError(`capacity must be an integer from 1 to ${CAPACITY_MAX}`, { field: 'capacity' });
    }
    out.capacity = fields.capacity;
  }
  return out;
}
