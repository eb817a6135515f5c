import { randomBytes } from 'node:crypto';
import { HmacManageTokens } from '../../src/adapters/system/hmac-manage-tokens';
import { LocalKeyRevocations } from '../../src/adapters/in-memory/local-key-revocations';
import { InMemoryState } from '../../src/adapters/in-memory/in-memory-state';
import { InMemoryUnitOfWork, inMemoryRepositories } from '../../src/adapters/in-memory/in-memory-unit-of-work';
import { NodeCryptoSecrets } from '../../src/adapters/system/node-crypto-secrets';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { LuxonTimeZones } from '../../src/adapters/time/luxon-time-zones';
import { IdempotentExecution } from '../../src/application/idempotency';
import { Repositories, UnitOfWork } from '../../src/application/ports/unit-of-work';
import { CoreUseCases, createCoreUseCases, CreateBooking } from '../../src/application/use-cases';
import { TEST_NOW } from './http-harness';

/** The calendar use cases, wired to in-memory adapters exactly as the composition root wires the databases. */
export interface InMemoryService extends CoreUseCases {
  state: InMemoryState;
  clock: FixedClock;
  zones: LuxonTimeZones;
  uow: UnitOfWork;
  /** The repositories outside any unit of work. */
  store: Repositories;
  /** A CreateBooking whose unit of work is always undone: judges a booking against the current state, changing nothing. */
  tryBooking: CreateBooking;
}

/** Runs each unit of work for real, then restores the state as it was before, success or not. */
class RollbackInMemoryUnitOfWork implements UnitOfWork {
  constructor(
    private readonly state: InMemoryState,
    private readonly inner: UnitOfWork,
  ) {}

  async run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    const before = this.state.snapshot();
    try {
      return await this.inner.run(work);
    } finally {
      this.state.restore(before);
    }
  }

  decide<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.run(work);
  }
}

export function createInMemoryService(options: { now?: string | number } = {}): InMemoryService {
  const state = new InMemoryState();
  const clock = new FixedClock(typeof options.now === 'number' ? options.now : Date.parse(options.now ?? TEST_NOW));
  const zones = new LuxonTimeZones();
  const secrets = new NodeCryptoSecrets();
  const uow = new InMemoryUnitOfWork(state);
  const store = inMemoryRepositories(state);
  const manageTokens = new HmacManageTokens(randomBytes(32));
  const idempotency = new IdempotentExecution(store.idempotency, clock, { ttlMs: 86_400_000, waitMs: 10_000, staleAfterMs: 60_000 });
  return {
    state,
    clock,
    zones,
    uow,
    store,
    ...createCoreUseCases({ uow, store, clock, zones, secrets, manageTokens, idempotency, keyRevocations: new LocalKeyRevocations() }),
    tryBooking: new CreateBooking(new RollbackInMemoryUnitOfWork(state, uow), store, clock, zones, secrets, manageTokens, idempotency),
  };
}
