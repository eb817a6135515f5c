import { Actor } from '../../domain/actor';
import { instantRangeOfDates, providerSlots, ProviderJudge } from '../../domain/booking-policy';
import { MAX_BLOCK_MS, Occupancy } from '../../domain/occupancy';
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
      if (!(await repos.providers.reviseRules(input.providerId))) throw new ProviderNotFoundError();
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
      if (!(await repos.providers.reviseRules(input.providerId))) throw new ProviderNotFoundError();
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
  /** Per date, the bookable starts and, beside each, how many more bookings of the duration it would take (at least 1). */
  days: { date: string; slots: string[]; remaining: number[] }[];
  /** What the answer was worked out from (the provider's rules and what occupies the dates): for ETags. */
  basis: string;
}

export const MAX_AVAILABILITY_DAYS = 62;

/** The provider's revision and the occupancies an answer was worked out from, as text. */
export function basisOf(revision: number, occupied: readonly Occupancy[]): string {
  return `${revision}:${occupied.map((o) => `${o.id}.${o.lane}.${o.blockStart}.${o.blockEnd}.${o.expiresAt ?? ''}`).join(',')}`;
}

/** Checks a range of dates asked at once (`to` inclusive, `date` when absent); returns how many days after `date` it ends. */
export function assertDateRange(date: string, to: string | undefined): { to: string; span: number } {
  assertDate(date);
  const last = to ?? date;
  assertDate(last, 'to');
  const span = daysBetween(date, last);
  if (span < 0) throw new ValidationError('to must not be before date', { field: 'to' });
  if (span >= MAX_AVAILABILITY_DAYS) {
    throw new ValidationError(`at most ${MAX_AVAILABILITY_DAYS} dates may be asked at once`, { field: 'to' });
  }
  return { to: last, span };
}

export class GetAvailability {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Every grid start at which a booking of the duration would be accepted now, per date: the acceptance rule itself. */
  async execute(input: AvailabilityInput): Promise<Availability> {
    const { to, span } = assertDateRange(input.date, input.to);
    if (input.durationMinutes !== undefined) assertDuration(input.durationMinutes);
    const range = instantRangeOfDates(input.date, to);
    const agenda = (await this.store.agendas.load([input.providerId], range.start - MAX_BLOCK_MS, range.end + MAX_BLOCK_MS)).get(input.providerId);
    if (!agenda) throw new ProviderNotFoundError();
    const { provider, schedule } = agenda;
    const durationMinutes = input.durationMinutes ?? provider.defaultDurationMinutes;
    const now = this.clock.now();
    const judge = new ProviderJudge(this.zones, { providerId: provider.id, timezone: provider.timezone, schedule, capacity: provider.capacity }, agenda.occupied, now);
    const days: Availability['days'] = [];
    for (let i = 0; i <= span; i++) {
      const date = addDays(input.date, i);
      const slots = providerSlots(this.zones, judge, date, durationMinutes, now);
      days.push({ date, slots: slots.map((s) => formatMinutes(s.minute)), remaining: slots.map((s) => s.remaining) });
    }
    return { providerId: provider.id, timezone: provider.timezone, durationMinutes, days, basis: basisOf(provider.revision, agenda.occupied) };
  }
}
