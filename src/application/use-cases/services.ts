import { Actor } from '../../domain/actor';
import { instantRangeOfDates, spanAt } from '../../domain/booking-policy';
import { ServiceNotFoundError, ValidationError } from '../../domain/errors';
import { addDays, formatMinutes } from '../../domain/local-date';
import { MAX_BLOCK_MS } from '../../domain/occupancy';
import { chooseProviders, providersOf, Service, ServiceFields, serviceGridTimes, validateServiceFields } from '../../domain/service';
import { TimeZones } from '../../domain/time-zones';
import { requireAdmin } from '../access';
import { decodeCursor, encodeCursor, Page } from '../cursor';
import { Placer } from '../placement';
import { Clock } from '../ports/clock';
import { Repositories } from '../ports/unit-of-work';
import { assertDateRange, basisOf } from './schedules';

export interface CreateServiceInput {
  actor: Actor;
  name: string;
  durationMinutes: number;
  pools: number[][];
  timezone?: string;
  slotIntervalMinutes?: number;
  requiresConfirmation?: boolean;
  minCancelNoticeMinutes?: number;
  minRescheduleNoticeMinutes?: number;
}

/** Every provider the pools name exists: an unknown one is a mistake in the request (400), not a missing resource. */
async function assertProvidersExist(repos: Repositories, pools: number[][]): Promise<void> {
  const ids = providersOf({ pools });
  const found = await repos.providers.getMany(ids);
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) throw new ValidationError(`pools name providers that do not exist: ${unknown.join(', ')}`, { field: 'pools', unknown });
}

export class CreateService {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  async execute(input: CreateServiceInput): Promise<Service> {
    requireAdmin(input.actor);
    const fields = validateServiceFields(
      {
        name: input.name,
        durationMinutes: input.durationMinutes,
        pools: input.pools,
        timezone: input.timezone ?? 'UTC',
        slotIntervalMinutes: input.slotIntervalMinutes ?? input.durationMinutes,
        requiresConfirmation: input.requiresConfirmation ?? false,
        minCancelNoticeMinutes: input.minCancelNoticeMinutes ?? 0,
        minRescheduleNoticeMinutes: input.minRescheduleNoticeMinutes ?? 0,
      },
      this.zones,
    ) as ServiceFields;
    await assertProvidersExist(this.store, fields.pools);
    return this.store.services.create({ ...fields, createdAt: this.clock.now() });
  }
}

export class GetService {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<Service> {
    const service = await this.store.services.getById(input.id);
    if (!service) throw new ServiceNotFoundError();
    return service;
  }
}

export class ListServices {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; limit?: number; cursor?: string }): Promise<Page<Service>> {
    const limit = input.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new ValidationError('limit must be an integer from 1 to 200', { field: 'limit' });
    }
    const afterId = input.cursor ? (decodeCursor(input.cursor, 'services', ['number'])[0] as number) : 0;
    const rows = await this.store.services.listAfter(afterId, limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].id], 'services') : null };
  }
}

export class UpdateService {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Writes the fields given; bookings already made keep what they were made with. */
  async execute(input: { actor: Actor; id: number; changes: Partial<ServiceFields> }): Promise<Service> {
    requireAdmin(input.actor);
    const changes = validateServiceFields(input.changes, this.zones);
    const current = await this.store.services.getById(input.id);
    if (!current) throw new ServiceNotFoundError();
    if (changes.pools) await assertProvidersExist(this.store, changes.pools);
    const changed = (Object.keys(changes) as (keyof ServiceFields)[]).some((k) => JSON.stringify(changes[k]) !== JSON.stringify(current[k]));
    if (!changed) return current;
    const updated = await this.store.services.update(input.id, changes, this.clock.now());
    if (!updated) throw new ServiceNotFoundError();
    return updated;
  }
}

export class DeleteService {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
  ) {}

  async execute(input: { actor: Actor; id: number }): Promise<void> {
    requireAdmin(input.actor);
    if (!(await this.store.services.delete(input.id, this.clock.now()))) throw new ServiceNotFoundError();
  }
}

export interface ServiceAvailability {
  serviceId: number;
  timezone: string;
  durationMinutes: number;
  days: { date: string; slots: string[] }[];
  /** What the answer was worked out from: for ETags. */
  basis: string;
}

export class GetServiceAvailability {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** The times on the service's grid at which a booking of it would be accepted now: the acceptance rule itself. */
  async execute(input: { actor: Actor; serviceId: number; date: string; to?: string }): Promise<ServiceAvailability> {
    const { to, span } = assertDateRange(input.date, input.to);
    const service = await this.store.services.getById(input.serviceId);
    if (!service) throw new ServiceNotFoundError();
    const range = instantRangeOfDates(input.date, to);
    const agendas = await this.store.agendas.load(providersOf(service), range.start - MAX_BLOCK_MS, range.end + MAX_BLOCK_MS);
    const now = this.clock.now();
    const placer = new Placer(this.zones, input.actor);
    const judges = new Map([...agendas].map(([id, agenda]) => [id, placer.judgeOf(agenda, now)]));
    const days: ServiceAvailability['days'] = [];
    for (let i = 0; i <= span; i++) {
      const date = addDays(input.date, i);
      const slots: string[] = [];
      // Least-busy order does not change whether a pool can take a span; any order answers the same.
      for (const minute of serviceGridTimes(service)) {
        const placed = spanAt(this.zones, service.timezone, date, minute, service.durationMinutes);
        if (!placed.ok || placed.span.startsAt < now) continue;
        if (chooseProviders(service.pools, judges, placed.span, () => 0).ok) slots.push(formatMinutes(minute));
      }
      days.push({ date, slots });
    }
    const basis = [service.id, service.updatedAt, ...[...agendas.values()].map((a) => basisOf(a.provider.revision, a.occupied))].join('|');
    return { serviceId: service.id, timezone: service.timezone, durationMinutes: service.durationMinutes, days, basis };
  }
}
