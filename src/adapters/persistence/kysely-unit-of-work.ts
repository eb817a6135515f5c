import { Kysely } from 'kysely';
import { Repositories, UnitOfWork } from '../../application/ports/unit-of-work';
import { Capabilities } from './database';
import { KyselyApiKeyRepository } from './kysely-api-key-repository';
import { KyselyBookingEventLog } from './kysely-booking-event-log';
import { KyselyBookingRepository } from './kysely-booking-repository';
import { KyselyIdempotencyStore } from './kysely-idempotency-store';
import { KyselyProviderRepository } from './kysely-provider-repository';
import { KyselyScheduleRepository } from './kysely-schedule-repository';
import { Database } from './schema';

/** The repositories bound to a connection or transaction. */
export function kyselyRepositories(db: Kysely<Database>, capabilities: Capabilities): Repositories {
  return {
    providers: new KyselyProviderRepository(db),
    bookings: new KyselyBookingRepository(db, capabilities),
    schedules: new KyselyScheduleRepository(db),
    events: new KyselyBookingEventLog(db, capabilities),
    idempotency: new KyselyIdempotencyStore(db),
    apiKeys: new KyselyApiKeyRepository(db, capabilities),
  };
}

export class KyselyUnitOfWork implements UnitOfWork {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(kyselyRepositories(trx, this.capabilities)));
  }
}
