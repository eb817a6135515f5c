import { randomBytes } from 'node:crypto';
import { LuxonTimeZones } from '../../src/adapters/time/luxon-time-zones';
import { NodeCryptoSecrets } from '../../src/adapters/system/node-crypto-secrets';
import { bookingViewWithoutId, viewJson } from '../../src/application/views';
import { Booking } from '../../src/domain/booking';
import { addDays } from '../../src/domain/local-date';

export const PROVIDER_COLUMNS = [
  'name',
  'email',
  'email_key',
  'timezone',
  'default_duration_minutes',
  'calendar_token',
  'revision',
  'created_at',
  'updated_at',
] as const;

/** Every column of `bookings`, the id included: a loaded booking's stored view names its id. */
export const BOOKING_COLUMNS = [
  'id',
  'provider_id',
  'provider_ids',
  'service_id',
  'series_id',
  'date',
  'start_minute',
  'duration_minutes',
  'end_minute',
  'timezone',
  'starts_at',
  'ends_at',
  'status',
  'customer_name',
  'customer_email',
  'notes',
  'created_by',
  'version',
  'created_at',
  'updated_at',
  'cancelled_at',
  'manage_token_hash',
  'view',
] as const;

export const OCCUPANCY_COLUMNS = ['id', 'provider_id', 'lane', 'block_start', 'block_end', 'starts_at', 'booking_id', 'hold_id', 'status', 'expires_at'] as const;

export const EVENT_COLUMNS = [
  'id',
  'booking_id',
  'provider_id',
  'booking_owner',
  'type',
  'at',
  'actor',
  'actor_kind',
  'changes',
  'booking',
  'position',
] as const;

export type Row = (string | number | null)[];

/** A booking as the loader writes it: its row, one occupancy row per provider it takes, and its `booking.created` event. */
export interface LoadedBooking {
  booking: Row;
  occupancies: Row[];
  event: Row;
}

export function providerRow(index: number, timezone: string, now: number): Row {
  const email = `provider-${index}@bench.example`;
  return [`Provider ${index}`, email, email, timezone, 30, `cal_${randomBytes(12).toString('base64url')}`, 0, now, now];
}

const zones = new LuxonTimeZones();
const secrets = new NodeCryptoSecrets();

/**
 * An active booking of one provider (no schedule, so no buffers: its block is its span) at `startMinute` local
 * wall time on `date` in `timezone`, as the service would have stored it: the view written by the service's own
 * view function, the occupancy on lane 1, the event at position = id. Layouts keep to 06:00-22:00 so that no
 * daylight-saving gap or repeat is touched.
 */
export function loadedBooking(id: number, providerId: number, timezone: string, date: string, startMinute: number, durationMinutes: number, now: number): LoadedBooking {
  const startsAt = zones.toInstant(date, startMinute, timezone);
  if (startsAt === null) throw new Error(`bench layout hit a skipped local time: ${date} ${startMinute} ${timezone}`);
  const booking: Booking = {
    id,
    providerId,
    providerIds: [providerId],
    serviceId: null,
    seriesId: null,
    date,
    startMinute,
    durationMinutes,
    endMinute: startMinute + durationMinutes,
    timezone,
    startsAt,
    endsAt: startsAt + durationMinutes * 60_000,
    status: 'active',
    customerName: `Customer ${id}`,
    customerEmail: `customer-${id}@bench.example`,
    notes: null,
    createdBy: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    cancelledAt: null,
    manageTokenHash: secrets.hash(`mt_bench_${id}`),
  };
  const view = viewJson(id, bookingViewWithoutId(booking, zones));
  const b = booking;
  return {
    booking: [
      b.id,
      b.providerId,
      JSON.stringify(b.providerIds),
      b.serviceId,
      b.seriesId,
      b.date,
      b.startMinute,
      b.durationMinutes,
      b.endMinute,
      b.timezone,
      b.startsAt,
      b.endsAt,
      b.status,
      b.customerName,
      b.customerEmail,
      b.notes,
      b.createdBy,
      b.version,
      b.createdAt,
      b.updatedAt,
      b.cancelledAt,
      b.manageTokenHash,
      view,
    ],
    // Occupancy ids follow booking ids: one provider per booking here.
    occupancies: b.providerIds.map((p) => [id, p, 1, b.startsAt, b.endsAt, b.startsAt, id, null, 'occupying', null]),
    event: [id, id, b.providerId, b.createdBy, 'booking.created', now, null, null, '{}', view, id],
  };
}

/** Bookings per provider and day in the bulk layouts: hourly from 09:00, 30 minutes each. */
export const BOOKINGS_PER_DAY = 8;

/** The k-th booking of a provider in the bulk layout: day `k / 8` after `firstDate`, hourly from 09:00. */
export function layoutSlot(firstDate: string, k: number): { date: string; startMinute: number } {
  return { date: addDays(firstDate, Math.floor(k / BOOKINGS_PER_DAY)), startMinute: 9 * 60 + (k % BOOKINGS_PER_DAY) * 60 };
}

/**
 * Bookings in slot order across providers (every provider's k-th booking before anyone's (k+1)-th), so that the
 * tables' physical order interleaves providers as real traffic would; ids 1, 2, ... in that order.
 */
export function* layoutBookings(providers: { id: number; timezone: string; count: number }[], firstDate: string, now: number): Generator<LoadedBooking> {
  const maxCount = Math.max(0, ...providers.map((p) => p.count));
  let active = providers.filter((p) => p.count > 0);
  let id = 0;
  for (let k = 0; k < maxCount; k++) {
    if (active.some((p) => p.count <= k)) active = active.filter((p) => p.count > k);
    const { date, startMinute } = layoutSlot(firstDate, k);
    for (const p of active) yield loadedBooking(++id, p.id, p.timezone, date, startMinute, 30, now);
  }
}

export const BENCH_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
