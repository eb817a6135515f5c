import { Admission, ProviderJudge } from './booking-policy';
import { ValidationError } from './errors';
import { MINUTES_PER_DAY } from './local-date';
import { assertDuration } from './provider';
import { TimeZones } from './time-zones';

/** Something businesses sell that needs one provider from each of its pools at once (a stylist and a chair). */
export interface Service {
  id: number;
  name: string;
  durationMinutes: number;
  /** The zone its bookings' dates and times are read in. */
  timezone: string;
  /** Its bookable start times: every this many minutes from local midnight. */
  slotIntervalMinutes: number;
  /** Its bookings start pending and wait for an admin's confirmation. */
  requiresConfirmation: boolean;
  minCancelNoticeMinutes: number;
  minRescheduleNoticeMinutes: number;
  /** Provider ids, one list per pool; a booking takes one provider of every pool. */
  pools: number[][];
  createdAt: number;
  updatedAt: number;
}

export type ServiceFields = Omit<Service, 'id' | 'createdAt' | 'updatedAt'>;

export const MAX_POOLS = 5;
export const MAX_POOL_SIZE = 50;
const MAX_NOTICE = 525_600;

function notice(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_NOTICE) {
    throw new ValidationError(`${field} must be an integer from 0 to ${MAX_NOTICE}`, { field });
  }
  return value;
}

/** The pools' shape: 1..5 pools of 1..50 distinct positive ids, no provider in two pools. */
export function assertPools(pools: number[][]): number[][] {
  if (!Array.isArray(pools) || pools.length < 1 || pools.length > MAX_POOLS) {
    throw new ValidationError(`pools must be a list of 1 to ${MAX_POOLS} pools`, { field: 'pools' });
  }
  const seen = new Set<number>();
  pools.forEach((pool, i) => {
    if (!Array.isArray(pool) || pool.length < 1 || pool.length > MAX_POOL_SIZE) {
      throw new ValidationError(`pools[${i}] must list 1 to ${MAX_POOL_SIZE} provider ids`, { field: 'pools', pool: i });
    }
    for (const id of pool) {
      if (!Number.isSafeInteger(id) || id < 1) throw new ValidationError(`pools[${i}] has an invalid provider id`, { field: 'pools', pool: i });
      if (seen.has(id)) {
        throw new ValidationError(`Provider ${id} appears twice in pools (a provider may be in one pool of a service, once)`, {
          field: 'pools',
          provider_id: id,
        });
      }
      seen.add(id);
    }
  });
  return pools.map((pool) => [...pool]);
}

/** Checks and normalises the fields given (trimmed name, known zone, ranges); absent fields stay absent. */
export function validateServiceFields(fields: Partial<ServiceFields>, zones: TimeZones): Partial<ServiceFields> {
  const out: Partial<ServiceFields> = {};
  if (fields.name !== undefined) {
    const name = fields.name.trim();
    if (name.length === 0 || name.length > 200) throw new ValidationError('name must be 1 to 200 characters', { field: 'name' });
    out.name = name;
  }
  if (fields.durationMinutes !== undefined) out.durationMinutes = assertDuration(fields.durationMinutes);
  if (fields.slotIntervalMinutes !== undefined) out.slotIntervalMinutes = assertDuration(fields.slotIntervalMinutes, 'slot_interval_minutes');
  if (fields.timezone !== undefined) {
    if (!zones.isValid(fields.timezone)) {
      throw new ValidationError(`timezone "${fields.timezone}" is not a known IANA time zone`, { field: 'timezone' });
    }
    out.timezone = fields.timezone;
  }
  if (fields.requiresConfirmation !== undefined) out.requiresConfirmation = fields.requiresConfirmation;
  if (fields.minCancelNoticeMinutes !== undefined) out.minCancelNoticeMinutes = notice(fields.minCancelNoticeMinutes, 'min_cancel_notice_minutes');
  if (fields.minRescheduleNoticeMinutes !== undefined) {
    out.minRescheduleNoticeMinutes = notice(fields.minRescheduleNoticeMinutes, 'min_reschedule_notice_minutes');
  }
  if (fields.pools !== undefined) out.pools = assertPools(fields.pools);
  return out;
}

/** Every provider of the service, in id order (the order their rows are locked in). */
export function providersOf(service: Pick<Service, 'pools'>): number[] {
  return [...new Set(service.pools.flat())].sort((a, b) => a - b);
}

/** True for a local start on the service's grid: a whole number of intervals after local midnight. */
export function onServiceGrid(service: Pick<Service, 'slotIntervalMinutes'>, startMinute: number): boolean {
  return startMinute % service.slotIntervalMinutes === 0;
}

/** The service's grid of a date: every interval from local midnight whose booking ends by midnight. */
export function serviceGridTimes(service: Pick<Service, 'slotIntervalMinutes' | 'durationMinutes'>): number[] {
  const times: number[] = [];
  for (let t = 0; t + service.durationMinutes <= MINUTES_PER_DAY; t += service.slotIntervalMinutes) times.push(t);
  return times;
}

/** Pinned providers by pool index; throws when one is outside the service's pools or two share a pool. */
export function pinsByPool(service: Pick<Service, 'pools'>, providerIds: readonly number[]): Map<number, number> {
  const pins = new Map<number, number>();
  for (const id of providerIds) {
    const pool = service.pools.findIndex((p) => p.includes(id));
    if (pool < 0) throw new ValidationError(`provider_ids: provider ${id} is not in any pool of this service`, { field: 'provider_ids' });
    if (pins.has(pool)) throw new ValidationError(`provider_ids: providers ${pins.get(pool)} and ${id} are in the same pool`, { field: 'provider_ids' });
    pins.set(pool, id);
  }
  return pins;
}

export interface Choice {
  providerId: number;
  admission: Admission;
}

/**
 * Chooses one provider of every pool for one real span, or names the first pool none can take it in. In a pool
 * without a pin, among the providers that can take the span, the one with the fewest bookings that day (`load`),
 * then the lowest id; a pinned provider is the pool's only candidate. A provider that would keep the span it
 * already has (`keep`) is chosen before any other.
 */
export function chooseProviders(
  pools: readonly number[][],
  judges: ReadonlyMap<number, ProviderJudge>,
  span: { startsAt: number; endsAt: number },
  load: (providerId: number) => number,
  pins: ReadonlyMap<number, number> = new Map(),
  keep: ReadonlySet<number> = new Set(),
): { ok: true; choices: Choice[] } | { ok: false; pool: number } {
  const choices: Choice[] = [];
  for (let pool = 0; pool < pools.length; pool++) {
    const pinned = pins.get(pool);
    const candidates = (pinned !== undefined ? [pinned] : [...pools[pool]])
      .filter((id) => judges.has(id))
      .map((id) => ({ id, kept: keep.has(id), load: load(id) }))
      .sort((a, b) => Number(b.kept) - Number(a.kept) || a.load - b.load || a.id - b.id);
    let chosen: Choice | null = null;
    for (const candidate of candidates) {
      const admitted = judges.get(candidate.id)!.admit(span.startsAt, span.endsAt);
      if (admitted.ok) {
        chosen = { providerId: candidate.id, admission: admitted.admission };
        break;
      }
    }
    if (!chosen) return { ok: false, pool };
    choices.push(chosen);
  }
  return { ok: true, choices };
}
