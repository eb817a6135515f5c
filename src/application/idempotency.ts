import { DatabaseUnavailableError, DomainError, IdempotencyKeyInUseError, IdempotencyKeyReusedError, ReplayedDomainError, ValidationError } from '../domain/errors';
import { Clock } from './ports/clock';
import { IdempotencyStore, StoredOutcome } from './ports/idempotency-store';
import { Repositories } from './ports/unit-of-work';

export interface IdempotencyOptions {
  /** How long a finished request is replayed (at least 24 hours). */
  ttlMs: number;
  /** How long a duplicate waits for the first request to finish before answering IDEMPOTENCY_KEY_IN_USE. */
  waitMs: number;
  /** After this long a claim whose process died is taken over. */
  staleAfterMs: number;
}

export interface IdempotentRequest {
  scope: string;
  key: string;
  fingerprint: string;
}

/** Records a successful outcome inside the transaction that produced it, so that a crash cannot split them. */
export type RecordOutcome<T> = (repos: Repositories, value: T) => Promise<void>;

export interface OutcomeCodec<T> {
  encode(value: T): unknown;
  decode(stored: unknown): T;
}

/** Canonical JSON: object keys sorted, undefined dropped, so equal parsed bodies compare equal. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function assertIdempotencyKey(key: string): void {
  if (key.length < 1 || key.length > 255) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 characters', { field: 'Idempotency-Key' });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a request at most once per (caller, key) and replays its first outcome to every retry. */
export class IdempotentExecution {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly clock: Clock,
    private readonly options: IdempotencyOptions,
  ) {}

  /** Deletes the records whose time is up; returns how many. */
  purgeExpired(): Promise<number> {
    return this.store.purgeExpired(this.clock.now());
  }

  async run<T>(request: IdempotentRequest, codec: OutcomeCodec<T>, work: (record: RecordOutcome<T>) => Promise<T>): Promise<T> {
    const { scope, key, fingerprint } = request;
    const deadline = this.clock.now() + this.options.waitMs;
    for (;;) {
      const now = this.clock.now();
      const claim = await this.store.claim(scope, key, fingerprint, now, now + this.options.ttlMs, now - this.options.staleAfterMs);
      if (claim.state === 'claimed') return this.runClaimed(request, codec, work);
      if (claim.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (claim.state === 'done') return replay(claim.outcome, codec);
      if (this.clock.now() >= deadline) throw new IdempotencyKeyInUseError();
      await sleep(20);
    }
  }

  private async runClaimed<T>(request: IdempotentRequest, codec: OutcomeCodec<T>, work: (record: RecordOutcome<T>) => Promise<T>): Promise<T> {
    const { scope, key } = request;
    try {
      return await work((repos, value) => repos.idempotency.complete(scope, key, { kind: 'ok', value: codec.encode(value) }));
    } catch (error) {
      // An unavailable database is no answer to keep (a 5xx): the claim is let go for a retry, if it can be.
      if (error instanceof DomainError && !(error instanceof DatabaseUnavailableError)) {
        await this.store.complete(scope, key, { kind: 'error', code: error.code, message: error.message, details: error.details });
      } else {
        await this.store.release(scope, key).catch(() => undefined);
      }
      throw error;
    }
  }
}

function replay<T>(outcome: StoredOutcome, codec: OutcomeCodec<T>): T {
  if (outcome.kind === 'ok') return codec.decode(outcome.value);
  throw new ReplayedDomainError(outcome.code, outcome.message, outcome.details);
}
