import { Kysely } from 'kysely';
import { Repositories, StaleDecisionError, UnitOfWork } from '../../application/ports/unit-of-work';
import { Capabilities } from './database';
import { KyselyAgendaRepository } from './kysely-agenda-repository';
import { KyselyApiKeyRepository } from './kysely-api-key-repository';
import { KyselyBookingEventLog } from './kysely-booking-event-log';
import { KyselyBookingRepository } from './kysely-booking-repository';
import { KyselyHoldRepository } from './kysely-hold-repository';
import { KyselyIdempotencyStore } from './kysely-idempotency-store';
import { KyselyProviderRepository } from './kysely-provider-repository';
import { KyselyScheduleRepository } from './kysely-schedule-repository';
import { KyselySeriesRepository } from './kysely-series-repository';
import { KyselyServiceRepository } from './kysely-service-repository';
import { Database } from './schema';

/** The repositories bound to a connection or transaction; `locked` inside a transaction that locks what it reads. */
export function kyselyRepositories(db: Kysely<Database>, capabilities: Capabilities, locked = false): Repositories {
  return {
    providers: new KyselyProviderRepository(db),
    agendas: new KyselyAgendaRepository(db, capabilities, locked),
    bookings: new KyselyBookingRepository(db, capabilities, locked),
    services: new KyselyServiceRepository(db),
    holds: new KyselyHoldRepository(db, capabilities, locked),
    series: new KyselySeriesRepository(db),
    schedules: new KyselyScheduleRepository(db),
    events: new KyselyBookingEventLog(db, capabilities),
    idempotency: new KyselyIdempotencyStore(db),
    apiKeys: new KyselyApiKeyRepository(db, capabilities),
    locked,
  };
}

/** Optimistic attempts before a decision runs under lock. */
const OPTIMISTIC_ATTEMPTS = 2;
/** Attempts under lock: a stale decision there can only come from rules changed by a caller that does not lock. */
const LOCKED_ATTEMPTS = 3;

export class KyselyUnitOfWork implements UnitOfWork {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(kyselyRepositories(trx, this.capabilities, true)));
  }

  async decide<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    // SQLite's transactions hold the file's write lock from their first statement: deciding inside one costs
    // nothing more, and nothing can change under it.
    if (this.capabilities.dialect === 'postgres') {
      const repos = kyselyRepositories(this.db, this.capabilities, false);
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        try {
          return await work(repos);
        } catch (error) {
          if (!(error instanceof StaleDecisionError)) throw error;
          if (error.needsLock) break;
        }
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(work);
      } catch (error) {
        if (!(error instanceof StaleDecisionError) || attempt >= LOCKED_ATTEMPTS) throw error;
      }
    }
  }
}
