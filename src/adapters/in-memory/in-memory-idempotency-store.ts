import { ClaimResult, IdempotencyStore, StoredOutcome } from '../../application/ports/idempotency-store';
import { InMemoryState } from './in-memory-state';

export class InMemoryIdempotencyStore implements IdempotencyStore {
  constructor(private readonly state: InMemoryState) {}

  async claim(scope: string, key: string, fingerprint: string, now: number, expiresAt: number, staleBefore: number): Promise<ClaimResult> {
    const id = `${scope}\u0000${key}`;
    const row = this.state.idempotency.get(id);
    if (!row || row.expiresAt <= now || (row.state === 'pending' && row.claimedAt < staleBefore)) {
      this.state.idempotency.set(id, { fingerprint, state: 'pending', outcome: null, claimedAt: now, expiresAt });
      return { state: 'claimed' };
    }
    if (row.state === 'done' && row.outcome) return { state: 'done', fingerprint: row.fingerprint, outcome: structuredClone(row.outcome) };
    return { state: 'pending', fingerprint: row.fingerprint };
  }

  async complete(scope: string, key: string, outcome: StoredOutcome): Promise<void> {
    const id = `${scope}\u0000${key}`;
    const row = this.state.idempotency.get(id);
    if (row) this.state.idempotency.set(id, { ...row, state: 'done', outcome: structuredClone(outcome) });
  }

  async release(scope: string, key: string): Promise<void> {
    const id = `${scope}\u0000${key}`;
    if (this.state.idempotency.get(id)?.state === 'pending') this.state.idempotency.delete(id);
  }

  async purgeExpired(now: number): Promise<number> {
    let removed = 0;
    for (const [id, row] of this.state.idempotency) {
      if (row.expiresAt < now) {
        this.state.idempotency.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
