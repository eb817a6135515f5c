import { Actor } from '../../domain/actor';
import { ProviderNotFoundError, ValidationError } from '../../domain/errors';
import { Provider, ProviderFields, validateProviderFields } from '../../domain/provider';
import { TimeZones } from '../../domain/time-zones';
import { requireAdmin } from '../access';
import { decodeCursor, encodeCursor, Page } from '../cursor';
import { Clock } from '../ports/clock';
import { Secrets } from '../ports/secrets';
import { Repositories } from '../ports/unit-of-work';

export interface CreateProviderInput {
  actor: Actor;
  name: string;
  email: string;
  timezone?: string;
  defaultDurationMinutes?: number;
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
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  async execute(input: UpdateProviderInput): Promise<Provider> {
    requireAdmin(input.actor);
    const changes = validateProviderFields(input.changes, this.zones);
    const current = await this.store.providers.getById(input.id);
    if (!current) throw new ProviderNotFoundError();
    const changed = (Object.keys(changes) as (keyof ProviderFields)[]).some((k) => changes[k] !== current[k]);
    if (!changed) return current;
    const updated = await this.store.providers.update(input.id, changes, this.clock.now());
    if (!updated) throw new ProviderNotFoundError();
    return updated;
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
