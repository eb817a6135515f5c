import { Actor } from '../../domain/actor';
import { availableSlots, CalendarContext, instantRangeOfDates } from '../../domain/booking-policy';
import { NotFoundError, ProviderNotFoundError, ValidationError } from '../../domain/errors';
import { addDays, assertDate, daysBetween, formatMinutes } from '../../domain/local-date';
import { assertDuration } from '../../domain/provider';
import { Schedule, ScheduleInput } from '../../domain/schedule';
import { TimeZones } from '../../domain/time-zones';
import { requireAdmin } from '../access';
import { Clock } from '../ports/clock';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';

export class PutSchedule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /** Creates or replaces a provider's schedule; existing bookings are left as they are. */
  async execute(input: { actor: Actor; providerId: number; schedule: ScheduleInput }): Promise<Schedule> {
    requireAdmin(input.actor);
    const schedule = Schedule.parse(input.schedule);
    return this.uow.run(async (repos) => {
      if (!(await repos.providers.lockCalendar(input.providerId))) throw new ProviderNotFoundError();
      await repos.schedules.put(input.providerId, schedule, this.clock.now());
      return schedule;
    });
  }
}

export class GetSchedule {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; providerId: number }): Promise<Schedule> {
    if (!(await this.store.providers.getById(input.providerId))) throw new ProviderNotFoundError();
    const schedule = await this.store.schedules.get(input.providerId);
    if (!schedule) throw new NotFoundError('Schedule not found');
    return schedule;
  }
}

export class DeleteSchedule {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(input: { actor: Actor; providerId: number }): Promise<void> {
    requireAdmin(input.actor);
    await this.uow.run(async (repos) => {
      if (!(await repos.providers.lockCalendar(input.providerId))) throw new ProviderNotFoundError();
      if (!(await repos.schedules.delete(input.providerId))) throw new NotFoundError('Schedule not found');
    });
  }
}

export interface AvailabilityInput {
  actor: Actor;
  providerId: number;
  date: string;
  to?: string;
  durationMinutes?: number;
}

export interface Availability {
  providerId: number;
  timezone: string;
  durationMinutes: number;
  days: { date: string; slots: string[] }[];
  /** Changes whenever the provider's bookings or schedule change. */
  revision: number;
}

export const MAX_AVAILABILITY_DAYS = 62;
const BUFFER_MARGIN_MS = 240 * 60_000;

export class GetAvailability {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Every grid start at which a booking of the duration would be accepted now, per date: the acceptance rule itself. */
  async execute(input: AvailabilityInput): Promise<Availability> {
    assertDate(input.date);
    const to = input.to ?? input.date;
    assertDate(to, 'to');
    const span = daysBetween(input.date, to);
    if (span < 0) throw new ValidationError('to must not be before date', { field: 'to' });
    if (span >= MAX_AVAILABILITY_DAYS) {
      throw new ValidationError(`at most ${MAX_AVAILABILITY_DAYS} dates may be asked at once`, { field: 'to' });
    }
    if (input.durationMinutes !== undefined) assertDuration(input.durationMinutes);
    const provider = await this.store.providers.getById(input.providerId);
    if (!provider) throw new ProviderNotFoundError();
    const durationMinutes = input.durationMinutes ?? provider.defaultDurationMinutes;
    const range = instantRangeOfDates(input.date, to);
    const [schedule, occupied] = await Promise.all([
      this.store.schedules.get(provider.id),
      this.store.bookings.findOccupied(provider.id, range.start - BUFFER_MARGIN_MS, range.end + BUFFER_MARGIN_MS),
    ]);
    const ctx: CalendarContext = { zones: this.zones, timezone: provider.timezone, schedule, now: this.clock.now() };
    const days: Availability['days'] = [];
    for (let i = 0; i <= span; i++) {
      const date = addDays(input.date, i);
      days.push({ date, slots: availableSlots(ctx, date, durationMinutes, occupied).map(formatMinutes) });
    }
    return { providerId: provider.id, timezone: provider.timezone, durationMinutes, days, revision: provider.revision };
  }
}
