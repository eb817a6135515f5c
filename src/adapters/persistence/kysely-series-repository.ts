import { Kysely } from 'kysely';
import { SeriesRepository } from '../../application/ports/series-repository';
import { Repeat, Series } from '../../domain/series';
import { Database } from './schema';

export class KyselySeriesRepository implements SeriesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(series: Omit<Series, 'id'>): Promise<Series> {
    const row = await this.db
      .insertInto('booking_series')
      .values({ repeat: JSON.stringify(series.repeat), created_by: series.createdBy, created_at: series.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...series, id: Number(row.id) };
  }

  async getById(id: number): Promise<Series | null> {
    const row = await this.db.selectFrom('booking_series').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, repeat: JSON.parse(row.repeat) as Repeat, createdBy: row.created_by, createdAt: row.created_at } : null;
  }
}
