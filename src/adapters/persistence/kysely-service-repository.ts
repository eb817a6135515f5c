import { Kysely, Selectable } from 'kysely';
import { ServiceRepository } from '../../application/ports/service-repository';
import { Service, ServiceFields } from '../../domain/service';
import { Database, ServiceRow } from './schema';

function toDomain(row: Selectable<ServiceRow>): Service {
  return {
    id: row.id,
    name: row.name,
    durationMinutes: row.duration_minutes,
    timezone: row.timezone,
    slotIntervalMinutes: row.slot_interval_minutes,
    requiresConfirmation: Number(row.requires_confirmation) === 1,
    minCancelNoticeMinutes: row.min_cancel_notice_minutes,
    minRescheduleNoticeMinutes: row.min_reschedule_notice_minutes,
    pools: JSON.parse(row.pools) as number[][],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toColumns(fields: Partial<ServiceFields>): Partial<Omit<ServiceRow, 'id'>> {
  const columns: Partial<Omit<ServiceRow, 'id'>> = {};
  if (fields.name !== undefined) columns.name = fields.name;
  if (fields.durationMinutes !== undefined) columns.duration_minutes = fields.durationMinutes;
  if (fields.timezone !== undefined) columns.timezone = fields.timezone;
  if (fields.slotIntervalMinutes !== undefined) columns.slot_interval_minutes = fields.slotIntervalMinutes;
  if (fields.requiresConfirmation !== undefined) columns.requires_confirmation = fields.requiresConfirmation ? 1 : 0;
  if (fields.minCancelNoticeMinutes !== undefined) columns.min_cancel_notice_minutes = fields.minCancelNoticeMinutes;
  if (fields.minRescheduleNoticeMinutes !== undefined) columns.min_reschedule_notice_minutes = fields.minRescheduleNoticeMinutes;
  if (fields.pools !== undefined) columns.pools = JSON.stringify(fields.pools);
  return columns;
}

export class KyselyServiceRepository implements ServiceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(service: ServiceFields & { createdAt: number }): Promise<Service> {
    const row = await this.db
      .insertInto('services')
      .values({ ...(toColumns(service) as Omit<ServiceRow, 'id' | 'created_at' | 'updated_at' | 'deleted_at'>), created_at: service.createdAt, updated_at: service.createdAt, deleted_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDomain(row);
  }

  async getById(id: number, includeDeleted = false): Promise<Service | null> {
    let query = this.db.selectFrom('services').selectAll().where('id', '=', id);
    if (!includeDeleted) query = query.where('deleted_at', 'is', null);
    const row = await query.executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async listAfter(afterId: number, limit: number): Promise<Service[]> {
    const rows = await this.db.selectFrom('services').selectAll().where('id', '>', afterId).where('deleted_at', 'is', null).orderBy('id').limit(limit).execute();
    return rows.map(toDomain);
  }

  async update(id: number, changes: Partial<ServiceFields>, updatedAt: number): Promise<Service | null> {
    const row = await this.db
      .updateTable('services')
      .set({ ...toColumns(changes), updated_at: updatedAt })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async delete(id: number, at: number): Promise<boolean> {
    const result = await this.db.updateTable('services').set({ deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
