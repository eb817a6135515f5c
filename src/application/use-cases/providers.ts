import { Actor } from '../../domain/actor';
import { CapacityInUseError, ProviderNotFoundError, ValidationError } from '../../domain/errors';
import { assignLanes, clusterAround, isLive, MAX_BLOCK_MS, peakOverlap } from '../../domain/occupancy';
import { Provider, ProviderFields, validateProviderFields } from '../../domain/provider';
import { TimeZones } from '../../domain/time-zones';
import { requireAdmin } from '../access';
import { decodeCursor, encodeCursor, Page } from '../cursor';
import { Clock } from '../ports/clock';
import { Secrets } from '../ports/secrets';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';

export interface CreateProviderInput {
  actor: Actor;
  name: string;
  email: string;
  timezone?: string;
  defaultDurationMinutes?: number;
  capacity?: number;
}

export class CreateProvider {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
    private readonly secrets: Secrets,
  ) {}

  async execute(input: CreateProviderInput): Promise<Provider> {
    requireAdmin(input.actor);
    const fields = validateProviderFields(
      {
        name: input.name,
        email: input.email,
        timezone: input.timezone ?? 'UTC',
        defaultDurationMinutes: input.defaultDurationMinutes ?? 30,
        capacity: input.capacity ?? 1,
      },
      this.zones,
    ) as ProviderFields;
    return this.store.providers.create({
      ...fields,
      calendarToken: this.secrets.token('cal_'),
      createdAt: this.clock.now(),
    });
  }
}

export class GetProvider {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<Provider> {
    const provider = await this.store.providers.getById(input.id);
    if (!provider) throw new ProviderNotFoundError();
    return provider;
  }
}

export interface ListProvidersInput {
  actor: Actor;
  limit?: number;
  cursor?: string;
}

export class ListProviders {
  constructor(private readonly store: Repositories) {}

  async execute(input: ListProvidersInput): Promise<Page<Provider>> {
    const limit = input.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new ValidationError('limit must be an integer from 1 to 200', { field: 'limit' });
    }
    const afterId = input.cursor ? (decodeCursor(input.cursor, 'providers', ['number'])[0] as number) : 0;
    const rows = await this.store.providers.listAfter(afterId, limit + 1);
    const items = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? encodeCursor([items[items.length - 1].id], 'providers') : null;
    return { items, nextCursor };
  }
}

export interface UpdateProviderInput {
  actor: Actor;
  id: number;
  changes: Partial<ProviderFields>;
}

export class UpdateProvider {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /**
   * Writes the fields given. A change of zone or capacity changes the provider's rules: it waits for bookings being
   * decided on the provider, and a capacity below what some instant from now on holds is refused.
   */
  async execute(input: UpdateProviderInput): Promise<Provider> {
    requireAdmin(input.actor);
    const changes = validateProviderFields(input.changes, this.zones);
    return this.uow.run(async (repos) => {
      const current = await repos.providers.getById(input.id);
      if (!current) throw new ProviderNotFoundError();
      const changed = (Object.keys(changes) as (keyof ProviderFields)[]).some((k) => changes[k] !== current[k]);
      if (!changed) return current;
      const now = this.clock.now();
      if ((changes.timezone ?? current.timezone) !== current.timezone || (changes.capacity ?? current.capacity) !== current.capacity) {
        await repos.providers.reviseRules(input.id);
        if (changes.capacity !== undefined && changes.capacity < current.capacity) await lowerCapacity(repos, input.id, changes.capacity, current.capacity, now);
      }
      const updated = await repos.providers.update(input.id, changes, now);
      if (!updated) throw new ProviderNotFoundError();
      return updated;
    });
  }
}

/**
 * Checks that at no instant from now on more than `capacity` bookings and live holds overlap, and moves what still
 * runs or lies ahead on a lane above it into the lower lanes. What has ended keeps its lane unless something that
 * still runs needs it; it may then take another one up to the capacity still in force (`current`).
 */
async function lowerCapacity(repos: Repositories, providerId: number, capacity: number, current: number, now: number): Promise<void> {
  for (let from = now - MAX_BLOCK_MS; ; from -= 7 * 86_400_000) {
    const agenda = (await repos.agendas.load([providerId], from, Number.MAX_SAFE_INTEGER)).get(providerId);
    if (!agenda) throw new ProviderNotFoundError();
    const live = agenda.occupied.filter((o) => isLive(o, now));
    const ahead = live.filter((o) => o.blockEnd > now);
    const busiest = peakOverlap(ahead, now, Number.MAX_SAFE_INTEGER);
    if (busiest > capacity) throw new CapacityInUseError(busiest);
    if (!ahead.some((o) => o.lane > capacity)) return;
    // Everything connected to what lies ahead through overlaps; read further back while it reaches the window's edge.
    const cluster = clusterAround(live, now, Number.MAX_SAFE_INTEGER);
    if (cluster.some((o) => o.blockStart < from)) continue;
    const lanes = assignLanes(cluster.map((o) => ({ key: o.id, lane: o.lane, blockStart: o.blockStart, blockEnd: o.blockEnd })), now);
    const changes = cluster.filter((o) => lanes.get(o.id) !== o.lane).map((o) => ({ occupancyId: o.id, lane: lanes.get(o.id)! }));
    // Only a past busier than the capacity in force (left by an earlier lowering) can need more lanes than it.
    if (changes.some((c) => c.lane > current)) throw new CapacityInUseError(capacity + 1);
    const expired = agenda.occupied.filter((o) => !isLive(o, now)).map((o) => o.id);
    await repos.agendas.moveLanes(changes, expired);
    return;
  }
}

export class RotateCalendarToken {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
  ) {}

  async execute(input: { actor: Actor; id: number }): Promise<Provider> {
    requireAdmin(input.actor);
    const updated = await this.store.providers.update(input.id, { calendarToken: this.secrets.token('cal_') }, this.clock.now());
    if (!updated) throw new ProviderNotFoundError();
    return updated;
  }
}
