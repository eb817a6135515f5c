/** When failed deliveries are tried again, and when they stop being tried. */
export interface DeliverySchedule {
  /** Delay before the first retry; later ones double from here. */
  firstRetryMs: number;
  /** The longest delay between two attempts. */
  maxDelayMs: number;
  /** How long after its first attempt an item is still retried; a failure after that is final. */
  retryForMs: number;
}

export const DEFAULT_DELIVERY_SCHEDULE: DeliverySchedule = {
  firstRetryMs: 8_000,
  maxDelayMs: 3_600_000,
  retryForMs: 24 * 3_600_000,
};

/**
 * Exponential backoff with jitter: after failed attempt `n` (1-based) wait between half and all of
 * `firstRetryMs · 2^(n-1)`, capped at `maxDelayMs`. `random` is uniform in [0, 1).
 */
export function retryDelay(schedule: DeliverySchedule, attempt: number, random: number): number {
  const full = Math.min(schedule.maxDelayMs, schedule.firstRetryMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(full / 2 + (full / 2) * random);
}

/** The next attempt's instant after a failure at `now`, or null when the item has been retried long enough. */
export function nextAttemptAfterFailure(
  schedule: DeliverySchedule,
  firstAttemptAt: number,
  attempt: number,
  now: number,
  random: number,
): number | null {
  if (now - firstAttemptAt >= schedule.retryForMs) return null;
  return now + retryDelay(schedule, attempt, random);
}
