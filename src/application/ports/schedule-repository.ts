import { Schedule } from '../../domain/schedule';

export interface ScheduleRepository {
  /** The provider's schedule, or null when it has none. */
  get(providerId: number): Promise<Schedule | null>;
  /** Creates or replaces the provider's schedule. */
  put(providerId: number, schedule: Schedule, updatedAt: number): Promise<void>;
  /** Removes the provider's schedule; false when there was none. */
  delete(providerId: number): Promise<boolean>;
}
