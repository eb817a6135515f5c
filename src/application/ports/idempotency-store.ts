/** The outcome of a first request, kept to be replayed to its retries. */
export type StoredOutcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'error'; code: string; message: string; details?: Record<string, unknown> };

export type ClaimResult =
  | { state: 'claimed' }
  | { state: 'pending'; fingerprint: string }
  | { state: 'done'; fingerprint: string; outcome: StoredOutcome };

export interface IdempotencyStore {
  /**
   * Claims `(scope, key)` for a new request unless a live claim exists; an expired record, or a pending claim
   * older than `staleBefore`, is taken over. Atomic across instances.
   */
  claim(scope: string, key: string, fingerprint: string, now: number, expiresAt: number, staleBefore: number): Promise<ClaimResult>;
  /** Records the outcome of a claimed request. */
  complete(scope: string, key: string, outcome: StoredOutcome): Promise<void>;
  /** Drops a claim so that a retry runs afresh (after an unexpected failure). */
  release(scope: string, key: string): Promise<void>;
  /** Deletes records that expired before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
