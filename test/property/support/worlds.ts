import { kyselyRepositories } from '../../../src/adapters/persistence/kysely-unit-of-work';
import { NodeCryptoSecrets } from '../../../src/adapters/system/node-crypto-secrets';
import { FixedClock } from '../../../src/adapters/system/system-clock';
import { IdempotentExecution } from '../../../src/application/idempotency';
import { Repositories, UnitOfWork } from '../../../src/application/ports/unit-of-work';
import {
  CancelBooking,
  CreateBooking,
  CreateHold,
  CreateProvider,
  GetAvailability,
  ListBookings,
  PutSchedule,
  ReleaseHold,
  UpdateBooking,
  UpdateProvider,
} from '../../../src/application/use-cases';
import { createService } from '../../../src/service';
import { DialectName, freshDatabaseUrl } from '../../support/databases';
import { createInMemoryService } from '../../support/in-memory-service';
import { DatabaseHandle } from '../../../src/adapters/persistence/database';

export type WorldName = 'in-memory' | DialectName;

/** One adapter set behind the real use cases, plus a CreateBooking whose every unit of work is undone. */
export interface World {
  name: WorldName;
  clock: FixedClock;
  /** The repositories outside any unit of work, to read what is stored. */
  store: Repositories;
  createProvider: CreateProvider;
  updateProvider: UpdateProvider;
  putSchedule: PutSchedule;
  createHold: CreateHold;
  releaseHold: ReleaseHold;
  createBooking: CreateBooking;
  updateBooking: UpdateBooking;
  cancelBooking: CancelBooking;
  listBookings: ListBookings;
  getAvailability: GetAvailability;
  /** Judges a booking exactly as CreateBooking does, inserting it for real, then rolls the transaction back. */
  tryBooking: CreateBooking;
  close(): Promise<void>;
}

/** A real database transaction that is always rolled back, whatever `work` does. */
class RollbackKyselyUnitOfWork implements UnitOfWork {
  constructor(private readonly handle: DatabaseHandle) {}

  async run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    const trx = await this.handle.db.startTransaction().execute();
    try {
      return await work(kyselyRepositories(trx, this.handle.capabilities, true));
    } finally {
      await trx.rollback().execute();
    }
  }

  decide<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.run(work);
  }
}

export async function openWorld(name: WorldName, now = Date.parse('2027-01-04T08:00:00Z')): Promise<World> {
  if (name === 'in-memory') {
    const s = createInMemoryService({ now });
    return { name, ...s, close: async () => undefined };
  }
  const clock = new FixedClock(now);
  const service = await createService({ databaseUrl: await freshDatabaseUrl(name), clock });
  const store = kyselyRepositories(service.database.db, service.database.capabilities);
  const idempotency = new IdempotentExecution(store.idempotency, clock, { ttlMs: 86_400_000, waitMs: 10_000, staleAfterMs: 60_000 });
  const u = service.useCases;
  return {
    name,
    clock,
    store,
    createProvider: u.createProvider,
    updateProvider: u.updateProvider,
    putSchedule: u.putSchedule,
    createHold: u.createHold,
    releaseHold: u.releaseHold,
    createBooking: u.createBooking,
    updateBooking: u.updateBooking,
    cancelBooking: u.cancelBooking,
    listBookings: u.listBookings,
    getAvailability: u.getAvailability,
    tryBooking: new CreateBooking(
      new RollbackKyselyUnitOfWork(service.database),
      store,
      clock,
      service.zones,
      new NodeCryptoSecrets(),
      service.manageTokens,
      idempotency,
    ),
    close: () => service.close(),
  };
}
