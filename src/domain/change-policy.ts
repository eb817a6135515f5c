import { TooLateToChangeError } from './errors';

/** How close to its start a booking may still be cancelled or moved by a client or its customer. */
export interface ChangePolicy {
  minCancelNoticeMinutes: number;
  minRescheduleNoticeMinutes: number;
}

export const NO_CHANGE_POLICY: ChangePolicy = { minCancelNoticeMinutes: 0, minRescheduleNoticeMinutes: 0 };

/** Refuses a cancellation or a move of a booking starting at `startsAt` that comes too late for the policy. */
export function assertInTimeToChange(policy: ChangePolicy, change: 'cancel' | 'reschedule', startsAt: number, now: number): void {
  const minutes = change === 'cancel' ? policy.minCancelNoticeMinutes : policy.minRescheduleNoticeMinutes;
  if (startsAt - now < minutes * 60_000) throw new TooLateToChangeError(minutes, change);
}
