import { Kysely, Selectable } from 'kysely';
import { WriteBasis } from '../../application/ports/booking-repository';
import { HoldCounts, HoldRepository, NewHold } from '../../application/ports/hold-repository';
import { StaleDecisionError } from '../../application/ports/unit-of-work';
import { Hold, HoldStatus } from '../../domain/hold';
import { Placement } from '../../domain/occupancy';
import { Capabilities } from './database';
import { moveLanes } from './kysely-agenda-repository';
import { revisionsHold } from './kysely-booking-writes';
import { spanFromRow } from './kysely-booking-repository';
import { isLaneViolation } from './kysely-errors';
import { Database, HoldRow } from './schema';

function toDomain(row: Selectable<HoldRow>): Hold {
  return {
    id: row.id,
    ...spanFromRow(row),
    expiresAt: row.expires_at,
    status: row.status as HoldStatus,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/**
 * Holds and the occupancies they take. A hold is written in a transaction of its own (not on the hot path of
 * bookings): the providers' revisions are checked there, and the lanes by the database.
 */
export class KyselyHoldRepository implements HoldRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    private readonly locking: boolean,
  ) {}

  async create(hold: NewHold, placements: readonly Placement[], basis: WriteBasis): Promise<number> {
    const write = async (trx: Kysely<Database>) => {
      await moveLanes(trx, basis.laneChanges ?? [], basis.expired);
      if (!this.locking && !(await revisionsHold(trx, this.capabilities.dialect, basis.revisions))) {
        throw new StaleDecisionError('a provider’s rules changed');
      }
      const row = await trx
        .insertInto('holds')
        .values({
          provider_id: hold.providerId,
          provider_ids: JSON.stringify(hold.providerIds),
          service_id: hold.serviceId,
          date: hold.date,
          start_minute: hold.startMinute,
          duration_minutes: hold.durationMinutes,
          end_minute: hold.endMinute,
          timezone: hold.timezone,
          starts_at: hold.startsAt,
          ends_at: hold.endsAt,
          expires_at: hold.expiresAt,
          status: hold.status,
          created_by: hold.createdBy,
          created_at: hold.createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      await trx
        .insertInto('occupancies')
        .values(
          placements.map((p) => ({
            provider_id: p.providerId,
            lane: p.lane,
            block_start: p.blockStart,
            block_end: p.blockEnd,
            starts_at: hold.startsAt,
            booking_id: null,
            hold_id: id,
            status: 'occupying',
            expires_at: hold.expiresAt,
          })),
        )
        .execute();
      return id;
    };
    try {
      return this.locking || this.capabilities.dialect === 'sqlite' ? await write(this.db) : await this.db.transaction().execute(write);
    } catch (error) {
      if (isLaneViolation(error)) throw new StaleDecisionError('a lane was taken');
      throw error;
    }
  }

  async getById(id: number): Promise<Hold | null> {
    const row = await this.db.selectFrom('holds').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async release(id: number): Promise<boolean> {
    const release = async (trx: Kysely<Database>) => {
      const ended = await trx.updateTable('holds').set({ status: 'released' }).where('id', '=', id).where('status', '=', 'live').executeTakeFirst();
      if (Number(ended.numUpdatedRows) === 0) return false;
      await trx.updateTable('occupancies').set({ status: 'released' }).where('hold_id', '=', id).execute();
      return true;
    };
    return this.locking ? release(this.db) : this.db.transaction().execute(release);
  }

  async countByState(now: number): Promise<HoldCounts> {
    const rows = await this.db
      .selectFrom('holds')
      .select((eb) => [
        'status',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.sum<number | string | null>(eb.case().when('expires_at', '<=', now).then(1).else(0).end()).as('ended'),
      ])
      .groupBy('status')
      .execute();
    const counts: HoldCounts = { live: 0, expired: 0, converted: 0, released: 0 };
    for (const row of rows) {
      if (row.status === 'live') {
        counts.expired = Number(row.ended ?? 0);
        counts.live = Number(row.n) - counts.expired;
      } else if (row.status === 'converted' || row.status === 'released') counts[row.status] = Number(row.n);
    }
    return counts;
  }
}
