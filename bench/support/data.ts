import { randomBytes } from 'node:crypto';
import { LuxonTimeZones } from '../../src/adapters/time/luxon-time-zones';
import { addDays } from '../../src/domain/local-date';

/** Small, fast, seedable PRNG (mulberry32), so that both targets of a turn get the same request sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

export const BOOKING_COLUMNS = [
  'provider_id',
  'date',
  'start_minute',
  'duration_minutes',
  'end_minute',
  'timezone',
  'starts_at',
  'ends_at',
  'block_start',
  'block_end',
  'status',
  'customer_name',
  'customer_email',
  'notes',
  'created_by',
  'version',
  'created_at',
  'updated_at',
  'cancelled_at',
] as const;

export type Row = (string | number | null)[];

export function providerRow(index: number, timezone: string, now: number): Row {
  const email = `provider-${index}@bench.example`;
  return [`Provider ${index}`, email, email, timezone, 30, `cal_${randomBytes(12).toString('base64url')}`, 0, now, now];
}

const zones = new LuxonTimeZones();

/**
 * A valid active booking row (no schedule, so no buffers): `startMinute` local wall time on `date` in `timezone`.
 * Bench layouts keep to 06:00-22:00 so that no daylight-saving gap or repeat is ever touched.
 */
export function bookingRow(
  providerId: number,
  timezone: string,
  date: string,
  startMinute: number,
  durationMinutes: number,
  createdBy: number | null,
  now: number,
): Row {
  const startsAt = zones.toInstant(date, startMinute, timezone);
  if (startsAt === null) throw new Error(`bench layout hit a skipped local time: ${date} ${startMinute} ${timezone}`);
  const endsAt = startsAt + durationMinutes * 60_000;
  return [
    providerId,
    date,
    startMinute,
    durationMinutes,
    startMinute + durationMinutes,
    timezone,
    startsAt,
    endsAt,
    startsAt,
    endsAt,
    'active',
    null,
    null,
    null,
    createdBy,
    1,
    now,
    now,
    null,
  ];
}

/** Bookings per provider and day in the bulk layouts: hourly from 09:00, 30 minutes each. */
export const BOOKINGS_PER_DAY = 8;

/** The k-th booking of a provider in the bulk layout: day `k / 8` after `firstDate`, hourly from 09:00. */
export function layoutSlot(firstDate: string, k: number): { date: string; startMinute: number } {
  return { date: addDays(firstDate, Math.floor(k / BOOKINGS_PER_DAY)), startMinute: 9 * 60 + (k % BOOKINGS_PER_DAY) * 60 };
}

/**
 * Rows in slot order across providers (every provider's k-th booking before anyone's (k+1)-th), so that the
 * table's physical order interleaves providers as real traffic would. `counts[i]` bookings for provider `ids[i]`.
 */
export function* layoutRows(
  providers: { id: number; timezone: string; count: number }[],
  firstDate: string,
  createdBy: number | null,
  now: number,
): Generator<Row> {
  const maxCount = Math.max(0, ...providers.map((p) => p.count));
  let active = providers.filter((p) => p.count > 0);
  for (let k = 0; k < maxCount; k++) {
    if (active.some((p) => p.count <= k)) active = active.filter((p) => p.count > k);
    const { date, startMinute } = layoutSlot(firstDate, k);
    for (const p of active) yield bookingRow(p.id, p.timezone, date, startMinute, 30, createdBy, now);
  }
}

export const BENCH_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
