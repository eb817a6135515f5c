import { AgendaRepository } from './agenda-repository';
import { ApiKeyRepository } from './api-key-repository';
import { BookingEventLog } from './booking-event-log';
import { BookingRepository } from './booking-repository';
import { HoldRepository } from './hold-repository';
import { IdempotencyStore } from './idempotency-store';
import { ProviderRepository } from './provider-repository';
import { ScheduleRepository } from './schedule-repository';
import { SeriesRepository } from './series-repository';
import { ServiceRepository } from './service-repository';

/** The repositories, all bound to one transaction inside `UnitOfWork.run`. */
export interface Repositories {
  providers: ProviderRepository;
  agendas: AgendaRepository;
  bookings: BookingRepository;
  services: ServiceRepository;
  holds: HoldRepository;
  series: SeriesRepository;
  schedules: ScheduleRepository;
  events: BookingEventLog;
  idempotency: IdempotencyStore;
  apiKeys: ApiKeyRepository;
  /** True inside `UnitOfWork.run`: what is read through `agendas` and `getForUpdate` stays locked until the end. */
  readonly locked: boolean;
}

/**
 * A write whose decision was judged against state that changed before it committed (another booking took the lane,
 * a provider's rules changed). Never reaches a caller: the decision is judged again.
 */
export class StaleDecisionError extends Error {
  constructor(
    why: string,
    /** Judging again is only worth it with the state locked (lanes must move, for instance). */
    readonly needsLock = false,
  ) {
    super(`The decision is stale: ${why}`);
    this.name = 'StaleDecisionError';
  }
}

export interface UnitOfWork {
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Reads that lock
   * (`agendas.load`, `getForUpdate`) hold their rows until it ends.
   */
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs a decision: `work` reads, judges, and then writes once, last, through a write that checks its basis. Where
   * the store can check it at write time, `work` first runs without a transaction or locks, and again on
   * `StaleDecisionError`; after repeated conflicts (or where it cannot), it runs inside `run`, where what it reads is
   * locked.
   */
  decide<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}
