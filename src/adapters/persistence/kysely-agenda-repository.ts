import { Kysely, Selectable, sql } from 'kysely';
import { AgendaRepository, ProviderAgenda } from '../../application/ports/agenda-repository';
import { LaneChange, MAX_BLOCK_MS, Occupancy } from '../../domain/occupancy';
import { Schedule, ScheduleProps } from '../../domain/schedule';
import { Capabilities } from './database';
import { providerFromRow } from './kysely-provider-repository';
import { PreparedQuery } from './prepared-query';
import { Database, ProviderRow } from './schema';

type OccupancyTuple = [number, number, number, number, number, number | null, number | null, number | null];

function fromTuple(providerId: number, t: OccupancyTuple): Occupancy {
  return { id: t[0], providerId, lane: t[1], blockStart: t[2], blockEnd: t[3], startsAt: t[4], bookingId: t[5], holdId: t[6], expiresAt: t[7] };
}

interface Window {
  ids: number[];
  from: number;
  to: number;
  /** `from - MAX_BLOCK_MS`: the lower bound on block_start keeps the scan a short index range. */
  lowest: number;
}

// PostgreSQL: every provider, its schedule and its occupancies in the window, in one round trip (the occupancies as
// one JSON array per provider).
type AgendaRow = Selectable<ProviderRow> & { definition: string | null; occupied: OccupancyTuple[] };
const agendaColumns = (v: Window) => sql`
  select p.*, s.definition,
    (select coalesce(json_agg(json_build_array(o.id, o.lane, o.block_start, o.block_end, o.starts_at, o.booking_id, o.hold_id, o.expires_at)
                              order by o.block_start, o.id), '[]'::json)
       from occupancies o
      where o.provider_id = p.id and o.status = 'occupying'
        and o.block_start > ${v.lowest} and o.block_start < ${v.to} and o.block_end > ${v.from}) as occupied
  from providers p left join schedules s on s.provider_id = p.id`;
const agendas = new PreparedQuery((db, v: Window) => sql<AgendaRow>`${agendaColumns(v)} where p.id = any(${v.ids}::bigint[]) order by p.id`);
// One provider (every seed-form booking) by `p.id = $1`: a plan PostgreSQL keeps for every value, where a list of
// ids would have it plan the statement again at every run.
const agendaOfOne = new PreparedQuery((db, v: Window & { id: number }) => sql<AgendaRow>`${agendaColumns(v)} where p.id = ${v.id}`);
// Locking comes first, in id order, as a statement of its own: a statement that waited for a lock still reads with
// the snapshot it started with, and would miss what the holder of the lock wrote.
const lockProviders = new PreparedQuery((db, v: { ids: number[] }) =>
  sql`select id from providers where id = any(${v.ids}::bigint[]) order by id for update`,
);

// SQLite: a statement per provider and one per provider's occupancies; statements cost microseconds there, and the
// transaction already holds the file's write lock.
const providerWithSchedule = new PreparedQuery((db, v: { id: number }) =>
  db.selectFrom('providers as p').leftJoin('schedules as s', 's.provider_id', 'p.id').selectAll('p').select('s.definition').where('p.id', '=', v.id),
);
const occupiedNear = new PreparedQuery((db, v: { providerId: number; from: number; to: number; lowest: number }) =>
  db
    .selectFrom('occupancies')
    .select(['id', 'lane', 'block_start', 'block_end', 'starts_at', 'booking_id', 'hold_id', 'expires_at'])
    .where('provider_id', '=', v.providerId)
    // A literal, not a bound value: SQLite applies a partial index (occupancies_live_span) only to a query naming it.
    .where('status', '=', sql.lit('occupying'))
    .where('block_start', '>', v.lowest)
    .where('block_start', '<', v.to)
    .where('block_end', '>', v.from)
    .orderBy('block_start')
    .orderBy('id'),
);

function scheduleOf(definition: string | null): Schedule | null {
  return definition === null ? null : Schedule.fromProps(JSON.parse(definition) as ScheduleProps);
}

export class KyselyAgendaRepository implements AgendaRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    /** Inside a transaction that locks what it reads. */
    private readonly locking: boolean,
  ) {}

  async load(providerIds: readonly number[], from: number, to: number): Promise<Map<number, ProviderAgenda>> {
    const found = new Map<number, ProviderAgenda>();
    const ids = [...new Set(providerIds)].sort((a, b) => a - b);
    if (ids.length === 0) return found;
    const window = { ids, from, to, lowest: from - MAX_BLOCK_MS };
    if (this.capabilities.dialect === 'postgres') {
      if (this.locking) await lockProviders.execute(this.db, { ids });
      const rows = ids.length === 1 ? await agendaOfOne.all(this.db, { ...window, id: ids[0] }) : await agendas.all(this.db, window);
      for (const row of rows) {
        const provider = providerFromRow(row);
        found.set(provider.id, { provider, schedule: scheduleOf(row.definition), occupied: row.occupied.map((t) => fromTuple(provider.id, t)) });
      }
      return found;
    }
    for (const id of ids) {
      const row = await providerWithSchedule.first(this.db, { id });
      if (!row) continue;
      const occupied = await occupiedNear.all(this.db, { providerId: id, from, to, lowest: window.lowest });
      found.set(id, {
        provider: providerFromRow(row),
        schedule: scheduleOf(row.definition),
        occupied: occupied.map((o) => ({
          id: o.id,
          providerId: id,
          lane: o.lane,
          blockStart: o.block_start,
          blockEnd: o.block_end,
          startsAt: o.starts_at,
          bookingId: o.booking_id,
          holdId: o.hold_id,
          expiresAt: o.expires_at,
        })),
      });
    }
    return found;
  }

  moveLanes(changes: readonly LaneChange[], expired: readonly number[]): Promise<void> {
    return moveLanes(this.db, changes, expired);
  }
}

/** Releases the expired holds' occupancies, then moves occupancies between lanes (see AgendaRepository.moveLanes). */
export async function moveLanes(db: Kysely<Database>, changes: readonly LaneChange[], expired: readonly number[]): Promise<void> {
  await releaseExpired(db, expired);
  // First to the negative of the new lane, then to the lane itself: occupancies given one lane never overlap one
  // another, and a negative lane overlaps nothing that keeps its positive one, so no step breaks the rule.
  for (const change of changes) {
    await db.updateTable('occupancies').set({ lane: -change.lane }).where('id', '=', change.occupancyId).execute();
  }
  for (const change of changes) {
    await db.updateTable('occupancies').set({ lane: change.lane }).where('id', '=', change.occupancyId).execute();
  }
}

/** Releases occupancies of holds that have expired (they occupy nothing, but keep their lane until released). */
export async function releaseExpired(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('occupancies')
    .set({ status: 'released' })
    .where('id', 'in', [...ids])
    .where('status', '=', 'occupying')
    .where('expires_at', 'is not', null)
    .execute();
}
