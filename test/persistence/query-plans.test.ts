import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Insertable, Kysely, LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { DatabaseHandle, openDatabase, parseSqliteUrl } from '../../src/adapters/persistence/database';
import { KyselyAgendaRepository } from '../../src/adapters/persistence/kysely-agenda-repository';
import { KyselyBookingRepository } from '../../src/adapters/persistence/kysely-booking-repository';
import { migrateToLatest } from '../../src/adapters/persistence/migrator';
import { BookingRow, Database, OccupancyRow } from '../../src/adapters/persistence/schema';
import { BookingQuery } from '../../src/application/ports/booking-repository';
import { DIALECTS, DialectName, freshDatabaseUrl } from '../support/databases';

const PROVIDERS = 50;
const PER_PROVIDER = 400;
const CREATORS = 50;
const BASE = Date.parse('2027-01-01T00:00:00Z');
const DAY = 86_400_000;
const MINUTE = 60_000;
const ROWS = PROVIDERS * PER_PROVIDER;

/** What the planner did with one query, reduced to what the assertions need. */
interface Plan {
  /** Indexes read. */
  indexes: string[];
  /** A scan of the table itself, row by row. */
  fullScan: boolean;
  /** A sort step (the index did not give the order). */
  sorts: boolean;
  /** The most rows the planner expects any sort step to take in (0 without a sort; unknown on SQLite). */
  sortedRows: number;
  /** The raw plan, for the failure message. */
  text: string;
}

function bookingRows(providerIds: number[]): (Insertable<BookingRow> & { id: number })[] {
  const rows: (Insertable<BookingRow> & { id: number })[] = [];
  for (let k = 0; k < PER_PROVIDER; k++) {
    providerIds.forEach((providerId, p) => {
      const i = k * PROVIDERS + p;
      const startsAt = BASE + k * 3 * DAY + (p % 20) * 30 * MINUTE + 9 * 60 * MINUTE;
      const endsAt = startsAt + 30 * MINUTE;
      const date = new Date(startsAt).toISOString().slice(0, 10);
      const startMinute = Math.round((startsAt % DAY) / MINUTE);
      rows.push({
        id: i + 1,
        provider_id: providerId,
        provider_ids: `[${providerId}]`,
        date,
        start_minute: startMinute,
        duration_minutes: 30,
        end_minute: startMinute + 30,
        timezone: 'UTC',
        starts_at: startsAt,
        ends_at: endsAt,
        status: i % 10 === 0 ? 'cancelled' : 'active',
        customer_name: `Customer ${i}`,
        customer_email: null,
        notes: null,
        created_by: (i % CREATORS) + 1,
        version: 1,
        created_at: BASE,
        updated_at: BASE,
        cancelled_at: i % 10 === 0 ? BASE : null,
        view: '{}',
      });
    });
  }
  // Bookings arrive in no particular order of their start: shuffle (deterministically) so that no index is
  // flattered by a heap laid out in its own order.
  let seed = 42;
  for (let i = rows.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

/** Each booking's occupancy of its provider, released for a cancelled one. */
function occupancyRows(bookings: (Insertable<BookingRow> & { id: number })[]): Insertable<OccupancyRow>[] {
  return bookings.map((b) => ({
    provider_id: b.provider_id,
    lane: 1,
    block_start: b.starts_at,
    block_end: b.ends_at,
    starts_at: b.starts_at,
    booking_id: b.id,
    hold_id: null,
    status: b.status === 'active' ? 'occupying' : 'released',
    expires_at: null,
  }));
}

function postgresPlan(rows: Record<string, unknown>[]): Plan {
  const root = (rows[0]['QUERY PLAN'] as { Plan: PgNode }[])[0].Plan;
  const nodes: PgNode[] = [];
  const walk = (n: PgNode) => {
    nodes.push(n);
    (n.Plans ?? []).forEach(walk);
  };
  walk(root);
  return {
    indexes: nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
    fullScan: nodes.some((n) => n['Node Type'] === 'Seq Scan'),
    sorts: nodes.some((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort'),
    sortedRows: Math.max(0, ...nodes.filter((n) => n['Node Type'].endsWith('Sort')).map((n) => n['Plan Rows'])),
    text: JSON.stringify(root, null, 1),
  };
}

interface PgNode {
  'Node Type': string;
  'Index Name'?: string;
  'Plan Rows': number;
  Plans?: PgNode[];
}

function sqlitePlan(rows: Record<string, unknown>[]): Plan {
  const details = rows.map((r) => String(r.detail));
  return {
    indexes: details.flatMap((d) => [...d.matchAll(/USING (?:COVERING )?INDEX (\w+)/g)].map((m) => m[1])),
    // "SCAN bookings" with no index is a walk over the whole table.
    fullScan: details.some((d) => /^SCAN (bookings|occupancies|o|b)(?! USING)/.test(d)),
    sorts: details.some((d) => d.includes('USE TEMP B-TREE')),
    sortedRows: NaN,
    text: details.join('\n'),
  };
}

describe.each(DIALECTS)('query plans of the booking repository on %s', (dialect: DialectName) => {
  let handle: DatabaseHandle;
  let logged: Kysely<Database>;
  let repository: KyselyBookingRepository;
  let agendas: KyselyAgendaRepository;
  let providerIds: number[];
  const captured: CompiledQuery[] = [];
  const log = (event: LogEvent) => {
    if (event.level === 'query') captured.push(event.query);
  };

  beforeAll(async () => {
    const url = await freshDatabaseUrl(dialect);
    handle = openDatabase(url);
    await migrateToLatest(handle.db);

    const providers = Array.from({ length: PROVIDERS }, (_, p) => ({
      name: `Provider ${p}`,
      email: `p${p}@example.com`,
      email_key: `p${p}@example.com`,
      timezone: 'UTC',
      default_duration_minutes: 30,
      capacity: 1,
      calendar_token: `cal_${p}`,
      created_at: BASE,
      updated_at: BASE,
    }));
    providerIds = (await handle.db.insertInto('providers').values(providers).returning('id').execute()).map((r) => Number(r.id));
    const rows = bookingRows(providerIds);
    for (let i = 0; i < rows.length; i += 500) await handle.db.insertInto('bookings').values(rows.slice(i, i + 500)).execute();
    const occupancies = occupancyRows(rows);
    for (let i = 0; i < occupancies.length; i += 500) await handle.db.insertInto('occupancies').values(occupancies.slice(i, i + 500)).execute();
    if (dialect === 'postgres') {
      await handle.db.executeQuery(CompiledQuery.raw('analyze bookings'));
      await handle.db.executeQuery(CompiledQuery.raw('analyze occupancies'));
    }

    // A second handle on the same database that records the SQL the repository sends.
    logged =
      dialect === 'postgres'
        ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }), log })
        : new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(parseSqliteUrl(url)!) }), log });
    repository = new KyselyBookingRepository(logged, handle.capabilities, false);
    agendas = new KyselyAgendaRepository(logged, handle.capabilities, false);
  });

  afterAll(async () => {
    await logged?.destroy();
    await handle?.close();
  });

  /** Runs `call` through the repository and explains the statement it sent (the one matching `which`, when several). */
  async function planOf(call: () => Promise<unknown>, which?: RegExp): Promise<Plan> {
    captured.length = 0;
    await call();
    const statements = which ? captured.filter((q) => which.test(q.sql)) : captured;
    expect(statements).toHaveLength(1);
    const { sql, parameters } = statements[0];
    const prefix = dialect === 'postgres' ? 'explain (format json) ' : 'explain query plan ';
    const result = await handle.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + sql, [...parameters]));
    return dialect === 'postgres' ? postgresPlan(result.rows) : sqlitePlan(result.rows);
  }

  /**
   * The plan reads `index`, never the whole table, and sorts nothing; with `boundedSort`, a sort of the few rows an
   * index range found is fine (a narrow date window), a sort of anything like the whole table is not.
   */
  function expectIndexed(plan: Plan, index: string, options: { boundedSort?: boolean } = {}): void {
    const summary = `${index} expected in:\n${plan.text}`;
    expect({ summary, indexes: plan.indexes }).toEqual({ summary, indexes: expect.arrayContaining([index]) });
    expect({ summary, fullScan: plan.fullScan }).toEqual({ summary, fullScan: false });
    if (!options.boundedSort) expect({ summary, sorts: plan.sorts }).toEqual({ summary, sorts: false });
    else if (dialect === 'postgres') expect({ summary, fewSorted: plan.sortedRows < ROWS / 20 }).toEqual({ summary, fewSorted: true });
  }

  const list = (q: Partial<BookingQuery>) => () => repository.list({ status: 'active', limit: 51, ...q });
  const views = (q: Partial<BookingQuery>) => () => repository.listViews({ status: 'active', limit: 51, ...q });

  it('holds the data the plans are judged on', async () => {
    const count = await handle.db.selectFrom('bookings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(ROWS);
  });

  it('list, page 1: walks bookings_starts in order, no sort', async () => {
    expectIndexed(await planOf(list({})), 'bookings_starts');
  });

  it('list with a keyset cursor deep in the table: seeks into bookings_starts', async () => {
    const deep = await handle.db
      .selectFrom('bookings')
      .select(['starts_at', 'id'])
      .orderBy('starts_at')
      .orderBy('id')
      .offset(Math.floor(ROWS * 0.9))
      .limit(1)
      .executeTakeFirstOrThrow();
    const plan = await planOf(list({ after: { startsAt: Number(deep.starts_at), id: Number(deep.id) } }));
    expectIndexed(plan, 'bookings_starts');
    if (dialect === 'sqlite') expect(plan.text).toMatch(/SEARCH (bookings|b) USING INDEX bookings_starts \((starts_at>\?|\(starts_at,id\)>\(\?,\?\))\)/);
    if (dialect === 'postgres') expect(plan.text).toMatch(/"Index Cond": "\(ROW\(starts_at, id\) > ROW\(/);
  });

  it('list filtered by provider: occupancies_provider_starts, no sort, for bookings and their views', async () => {
    expectIndexed(await planOf(list({ providerId: providerIds[7] })), 'occupancies_provider_starts');
    expectIndexed(await planOf(views({ providerId: providerIds[7] })), 'occupancies_provider_starts');
  });

  it('list filtered by provider with a cursor: still occupancies_provider_starts', async () => {
    const plan = await planOf(views({ providerId: providerIds[7], after: { startsAt: BASE + 150 * DAY, id: 1 } }));
    expectIndexed(plan, 'occupancies_provider_starts');
  });

  it('list filtered by creator (a client listing its own): bookings_owner_starts, no sort', async () => {
    const plan = await planOf(list({ createdBy: 17 }));
    expectIndexed(plan, 'bookings_owner_starts');
  });

  it('list filtered by local dates: a range on bookings_starts', async () => {
    const plan = await planOf(list({ fromDate: '2027-05-01', toDate: '2027-05-03' }));
    expectIndexed(plan, 'bookings_starts', { boundedSort: true });
    if (dialect === 'sqlite') expect(plan.text).toMatch(/SEARCH (bookings|b) USING INDEX bookings_starts \(starts_at>\? AND starts_at<\?\)/);
    if (dialect === 'postgres') expect(plan.text).toMatch(/"(Index|Recheck) Cond": "\(\(starts_at >= '\d+'::bigint\) AND \(starts_at < '\d+'::bigint\)\)"/);
  });

  it('list over a wide date window: reads bookings_starts in order, no sort', async () => {
    expectIndexed(await planOf(list({ fromDate: '2027-02-01', toDate: '2027-12-31' })), 'bookings_starts');
  });

  it('an agenda reads its occupancies by a range on occupancies_live_span', async () => {
    const from = BASE + 60 * DAY;
    const plan = await planOf(() => agendas.load([providerIds[7]], from, from + DAY), /occupancies/);
    expectIndexed(plan, 'occupancies_live_span', { boundedSort: true });
    if (dialect === 'sqlite') expect(plan.text).toMatch(/SEARCH occupancies USING INDEX occupancies_live_span \(provider_id=\? AND block_start>\? AND block_start<\?\)/);
  });
});
