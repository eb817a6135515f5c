import { ValidationError } from './errors';

export type HoldStatus = 'live' | 'released' | 'converted';

/** A span held for a short while (a customer paying): it occupies its providers exactly like a booking until it expires. */
export interface Hold {
  id: number;
  providerId: number;
  providerIds: number[];
  serviceId: number | null;
  date: string;
  startMinute: number;
  durationMinutes: number;
  endMinute: number;
  timezone: string;
  startsAt: number;
  endsAt: number;
  expiresAt: number;
  status: HoldStatus;
  createdBy: number | null;
  createdAt: number;
}

export const HOLD_TTL_SECONDS = { min: 30, max: 3600, default: 300 } as const;

/** A hold occupies until it is released, converted or expired: expiry is a matter of the clock alone. */
export function isHoldLive(hold: Pick<Hold, 'status' | 'expiresAt'>, now: number): boolean {
  return hold.status === 'live' && hold.expiresAt > now;
}

export function assertHoldTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < HOLD_TTL_SECONDS.min || seconds > HOLD_TTL_SECONDS.max) {
    throw new ValidationError(`ttl_seconds must be an integer from ${HOLD_TTL_SECONDS.min} to ${HOLD_TTL_SECONDS.max}`, { field: 'ttl_seconds' });
  }
  return seconds;
}
