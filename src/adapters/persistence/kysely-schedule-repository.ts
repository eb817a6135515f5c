import { Kysely } from 'kysely';
import { ScheduleRepository } from '../../application/ports/schedule-repository';
import { Schedule, ScheduleProps } from '../../domain/schedule';
import { PreparedQuery } from './prepared-query';
import { Database } from './schema';

const scheduleOf = new PreparedQuery((db, v: { providerId: number }) =>
  db.selectFrom('schedules').select('definition').where('provider_id', '=', v.providerId),
);

export class KyselyScheduleRepository implements ScheduleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(providerId: number): Promise<Schedule | null> {
    const row = await scheduleOf.first(this.db, { providerId });
    return row ? Schedule.fromProps(JSON.parse(row.definition) as ScheduleProps) : null;
  }

  async put(providerId: number, schedule: Schedule, updatedAt: number): Promise<void> {
    const definition = JSON.stringify(schedule.props);
    await this.db
      .insertInto('schedules')
      .values({ provider_id: providerId, definition, updated_at: updatedAt })
      .onConflict((oc) => oc.column('provider_id').doUpdateSet({ definition, updated_at: updatedAt }))
      .execute();
  }

  async delete(providerId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('schedules').where('provider_id', '=', providerId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
