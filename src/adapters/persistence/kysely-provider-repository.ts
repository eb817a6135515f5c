import { Kysely, Selectable, sql } from 'kysely';
import { NewProvider, ProviderChanges, ProviderRepository } from '../../application/ports/provider-repository';
import { EmailTakenError } from '../../domain/errors';
import { Provider } from '../../domain/provider';
import { Database, ProviderRow } from './schema';
import { isUniqueViolation } from './kysely-errors';
import { PreparedQuery } from './prepared-query';

function toDomain(row: Selectable<ProviderRow>): Provider {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    timezone: row.timezone,
    defaultDurationMinutes: row.default_duration_minutes,
    capacity: row.capacity,
    calendarToken: row.calendar_token,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const reviseRules = new PreparedQuery((db, v: { id: number }) =>
  db
    .updateTable('providers')
    .set({ revision: sql`revision + 1` })
    .where('id', '=', v.id)
    .returningAll(),
);

export { toDomain as providerFromRow };

export class KyselyProviderRepository implements ProviderRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(p: NewProvider): Promise<Provider> {
    try {
      const row = await this.db
        .insertInto('providers')
        .values({
          name: p.name,
          email: p.email,
          email_key: p.email.toLowerCase(),
          timezone: p.timezone,
          default_duration_minutes: p.defaultDurationMinutes,
          capacity: p.capacity,
          calendar_token: p.calendarToken,
          created_at: p.createdAt,
          updated_at: p.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDomain(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  async getById(id: number): Promise<Provider | null> {
    const row = await this.db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async getMany(ids: readonly number[]): Promise<Map<number, Provider>> {
    const found = new Map<number, Provider>();
    if (ids.length === 0) return found;
    const rows = await this.db.selectFrom('providers').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    for (const row of rows) found.set(row.id, toDomain(row));
    return found;
  }

  async reviseRules(id: number): Promise<Provider | null> {
    // The UPDATE takes the provider's row lock for the rest of the transaction (Postgres); a booking decided against
    // the old revision then fails its check and is judged again. On SQLite the transaction holds the write lock.
    const row = await reviseRules.first(this.db, { id });
    return row ? toDomain(row) : null;
  }

  async update(id: number, changes: ProviderChanges, updatedAt: number): Promise<Provider | null> {
    try {
      const row = await this.db
        .updateTable('providers')
        .set({
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.email !== undefined && { email: changes.email, email_key: changes.email.toLowerCase() }),
          ...(changes.timezone !== undefined && { timezone: changes.timezone }),
          ...(changes.defaultDurationMinutes !== undefined && { default_duration_minutes: changes.defaultDurationMinutes }),
          ...(changes.capacity !== undefined && { capacity: changes.capacity }),
          ...(changes.calendarToken !== undefined && { calendar_token: changes.calendarToken }),
          updated_at: updatedAt,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toDomain(row) : null;
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  async listAfter(afterId: number, limit: number): Promise<Provider[]> {
    const rows = await this.db.selectFrom('providers').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(toDomain);
  }
}
