import { ScheduleRepository } from '../../application/ports/schedule-repository';
import { Schedule } from '../../domain/schedule';
import { InMemoryState } from './in-memory-state';

export class InMemoryScheduleRepository implements ScheduleRepository {
  constructor(private readonly state: InMemoryState) {}

  async get(providerId: number): Promise<Schedule | null> {
    return this.state.schedules.get(providerId) ?? null;
  }

  async put(providerId: number, schedule: Schedule): Promise<void> {
    this.state.schedules.set(providerId, schedule);
  }

  async delete(providerId: number): Promise<boolean> {
    return this.state.schedules.delete(providerId);
  }
}
