import { Repositories, StaleDecisionError, UnitOfWork } from '../../application/ports/unit-of-work';
import { InMemoryAgendaRepository } from './in-memory-agenda-repository';
import { InMemoryApiKeyRepository } from './in-memory-api-key-repository';
import { InMemoryBookingEventLog } from './in-memory-booking-event-log';
import { InMemoryBookingRepository } from './in-memory-booking-repository';
import { InMemoryHoldRepository } from './in-memory-hold-repository';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store';
import { InMemoryProviderRepository } from './in-memory-provider-repository';
import { InMemoryScheduleRepository } from './in-memory-schedule-repository';
import { InMemorySeriesRepository } from './in-memory-series-repository';
import { InMemoryServiceRepository } from './in-memory-service-repository';
import { InMemoryState } from './in-memory-state';

/** The repositories over a state; `locked` inside a unit of work (which runs alone, as if it held every lock). */
export function inMemoryRepositories(state: InMemoryState, locked = false): Repositories {
  return {
    providers: new InMemoryProviderRepository(state),
    agendas: new InMemoryAgendaRepository(state),
    bookings: new InMemoryBookingRepository(state, locked),
    services: new InMemoryServiceRepository(state),
    holds: new InMemoryHoldRepository(state),
    series: new InMemorySeriesRepository(state),
    schedules: new InMemoryScheduleRepository(state),
    events: new InMemoryBookingEventLog(state),
    idempotency: new InMemoryIdempotencyStore(state),
    apiKeys: new InMemoryApiKeyRepository(state),
    locked,
  };
}

/** Serialises units of work and undoes a failed one, like a database transaction. */
export class InMemoryUnitOfWork implements UnitOfWork {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly state: InMemoryState) {}

  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const undo: (() => void)[] = [];
      try {
        return await work(inMemoryRepositories(this.state.journaled(undo), true));
      } catch (error) {
        for (const step of undo.reverse()) step();
        throw error;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Units of work here run one at a time, as if each held every lock: a decision runs inside one, again when stale. */
  async decide<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(work);
      } catch (error) {
        if (!(error instanceof StaleDecisionError) || attempt >= 3) throw error;
      }
    }
  }
}
