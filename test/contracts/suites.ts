import { describeApiKeyRepositoryContract } from './api-key-repository.contract';
import { describeBookingEventLogContract } from './booking-event-log.contract';
import { describeBookingRepositoryContract } from './booking-repository.contract';
import { MakeHarness } from './harness';
import { describeIdempotencyStoreContract } from './idempotency-store.contract';
import { describeProviderRepositoryContract } from './provider-repository.contract';
import { describeScheduleRepositoryContract } from './schedule-repository.contract';
import { describeUnitOfWorkContract } from './unit-of-work.contract';

/** Every port contract; each adapter's test file runs all of them. */
export const PORT_CONTRACTS: ((name: string, makeHarness: MakeHarness) => void)[] = [
  describeProviderRepositoryContract,
  describeBookingRepositoryContract,
  describeScheduleRepositoryContract,
  describeBookingEventLogContract,
  describeIdempotencyStoreContract,
  describeUnitOfWorkContract,
  describeApiKeyRepositoryContract,
];

export function describePortContracts(name: string, makeHarness: MakeHarness): void {
  for (const describeContract of PORT_CONTRACTS) describeContract(name, makeHarness);
}
