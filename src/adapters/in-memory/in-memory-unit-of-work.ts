import { Repositories, UnitOfWork } from '../../application/ports/unit-of-work';
import { InMemoryApiKeyRepository } from './in-memory-api-key-repository';
import { InMemoryBookingEventLog } from './in-memory-booking-event-log';
import { InMemoryBookingRepository } from './in-memory-booking-repository';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store';
import { InMemoryProviderRepository } from './in-memory-provider-repository';
import { InMemoryScheduleRepository } from './in-memory-schedule-repository';
import { InMemoryState } from './in-memory-state';

export function inMemoryRepositories(state: InMemoryState): Repositories {
  return {
    providers: new InMemoryProviderRepository(state),
    bookings: new InMemoryBookingRepository(state),
    schedules: new InMemoryScheduleRepository(state),
    events: new InMemoryBookingEventLog(state),
    idempotency: new InMemoryIdempotencyStore(state),
    apiKeys: new InMemoryApiKeyRepository(state),
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
        return await work(inMemoryRepositories(this.state.journaled(undo)));
      } catch (error) {
        for (const step of undo.reverse()) step();
        throw error;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
