import { ApiKeyRepository } from './api-key-repository';
import { BookingEventLog } from './booking-event-log';
import { IdempotencyStore } from './idempotency-store';
import { BookingRepository } from './booking-repository';
import { ProviderRepository } from './provider-repository';
import { ScheduleRepository } from './schedule-repository';

/** The repositories, all bound to one transaction inside `UnitOfWork.run`. */
export interface Repositories {
  providers: ProviderRepository;
  bookings: BookingRepository;
  schedules: ScheduleRepository;
  events: BookingEventLog;
  idempotency: IdempotencyStore;
  apiKeys: ApiKeyRepository;
}

export interface UnitOfWork {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}
