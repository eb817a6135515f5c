import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openDatabase, parseSqliteUrl } from '../../src/adapters/persistence/database';
import { migrateToLatest } from '../../src/adapters/persistence/migrator';
import { startEmbeddedPostgres } from '../../test/support/embedded-postgres';
import { BOOKING_COLUMNS, EVENT_COLUMNS, LoadedBooking, OCCUPANCY_COLUMNS, Row } from './data';

export type DatabaseKind = 'sqlite' | 'postgres';

/** Where fresh databases come from: a directory for SQLite files, a server for Postgres databases. */
export class DatabaseFactory {
  private readonly created: string[] = [];
  private stopPostgres: (() => Promise<void>) | null = null;
  private adminUrl: string | null = null;

  constructor(private readonly workDir: string) {}

  /** The server behind `DATABASE_URL` when it names Postgres, else an embedded one started on first use. */
  async postgresAdminUrl(): Promise<string> {
    if (this.adminUrl) return this.adminUrl;
    const external = process.env.DATABASE_URL;
    if (external && /^postgres(ql)?:\/\//.test(external)) {
      this.adminUrl = external;
    } else {
      const server = await startEmbeddedPostgres();
      this.stopPostgres = server.stop;
      this.adminUrl = server.adminUrl;
    }
    return this.adminUrl;
  }

  describePostgres(): string {
    return this.stopPostgres ? 'embedded PostgreSQL (fsync=off, synchronous_commit=off)' : 'PostgreSQL at DATABASE_URL';
  }

  /** A new empty database (not yet migrated). */
  async fresh(kind: DatabaseKind, label: string): Promise<string> {
    const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
    if (kind === 'sqlite') {
      const dir = join(this.workDir, name);
      mkdirSync(dir, { recursive: true });
      return `sqlite:${join(dir, 'booking.db')}`;
    }
    const admin = await this.postgresAdminUrl();
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    this.created.push(name);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Drops the Postgres databases made here and stops the embedded server; SQLite files go with the work dir. */
  async dispose(): Promise<void> {
    if (this.adminUrl && this.created.length) {
      const client = new pg.Client({ connectionString: this.adminUrl });
      try {
        await client.connect();
        for (const name of this.created) await client.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      } catch {
        // the server may already be gone; nothing left to clean
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    if (this.stopPostgres) await this.stopPostgres();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Brings a database to the project's schema with the project's own migrations. */
export async function migrate(url: string): Promise<void> {
  const handle = openDatabase(url, { poolSize: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
}

/** Multi-row prepared INSERTs straight into tables, in transactions: the bulk path of the benchmark's loads. */
export interface BulkWriter {
  insert(table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number>;
  /**
   * Inserts bookings known not to overlap with their occupancies and events (batch by batch, each batch's rows of
   * the three tables in one transaction), then proves that no two occupancies of a provider's lane overlap and that
   * every active booking has its occupancy. SQLite's occupancy triggers are dropped for the load and recreated as
   * they were (a trigger per row is most of the load's time); PostgreSQL keeps its exclusion constraint, which
   * checks every row as it goes in. Returns how many bookings were loaded.
   */
  loadBookings(bookings: Iterable<LoadedBooking>): Promise<number>;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Refreshes planner statistics. */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/** Occupying spans of one lane sorted by start overlap somewhere iff some span overlaps the one before it. */
const COUNT_OVERLAPS = `select count(*) as n from (
  select block_start, lag(block_end) over (partition by provider_id, lane order by block_start, id) as previous_end
  from occupancies where status = 'occupying') spans
  where previous_end > block_start`;
const COUNT_ACTIVE = `select count(*) as n from bookings where status = 'active'`;
const COUNT_BOOKED_OCCUPANCIES = `select count(distinct booking_id) as n from occupancies where status = 'occupying' and booking_id is not null`;

const SQLITE_ROWS_PER_STATEMENT = 500;
/** PostgreSQL takes at most 65,535 parameters per statement; bookings have 23 columns. */
const PG_ROWS_PER_STATEMENT = 1000;
const STATEMENTS_PER_TRANSACTION = 100;
/** Bookings per batch of the linked load: one statement per table and batch. */
const SQLITE_BOOKINGS_PER_BATCH = 400;
const PG_BOOKINGS_PER_BATCH = 1000;
const BOOKINGS_PER_TRANSACTION = 20_000;

function valuesClause(rows: number, columns: number, numbered: boolean): string {
  const groups: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) cells.push(numbered ? `$${n++}` : '?');
    groups.push(`(${cells.join(',')})`);
  }
  return groups.join(',');
}

function* batches<T>(rows: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** The three tables of a linked load, in the order their foreign keys need. */
const LINKED_TABLES: { table: string; columns: readonly string[]; rows: (b: LoadedBooking[]) => Row[] }[] = [
  { table: 'bookings', columns: BOOKING_COLUMNS, rows: (bs) => bs.map((b) => b.booking) },
  { table: 'occupancies', columns: OCCUPANCY_COLUMNS, rows: (bs) => bs.flatMap((b) => b.occupancies) },
  { table: 'booking_events', columns: EVENT_COLUMNS, rows: (bs) => bs.map((b) => b.event) },
];

class SqliteBulkWriter implements BulkWriter {
  private readonly db: SqliteDatabase.Database;
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(path: string) {
    this.db = new SqliteDatabase(path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
  }

  private statementFor(table: string, columns: readonly string[], n: number): SqliteDatabase.Statement {
    const key = `${table}:${n}`;
    let s = this.statements.get(key);
    if (!s) this.statements.set(key, (s = this.db.prepare(`insert into ${table} (${columns.join(',')}) values ${valuesClause(n, columns.length, false)}`)));
    return s;
  }

  /** Runs `each` over the batches in transactions of `perTransaction` batches. */
  private inTransactions<T>(items: Iterable<T[]>, perTransaction: number, each: (batch: T[]) => void): void {
    let inTransaction = 0;
    this.db.exec('begin immediate');
    try {
      for (const batch of items) {
        each(batch);
        if (++inTransaction === perTransaction) {
          this.db.exec('commit; begin immediate');
          inTransaction = 0;
        }
      }
      this.db.exec('commit');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('rollback');
      throw error;
    }
  }

  async insert(table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number> {
    let total = 0;
    this.inTransactions(batches(rows, SQLITE_ROWS_PER_STATEMENT), STATEMENTS_PER_TRANSACTION, (batch) => {
      this.statementFor(table, columns, batch.length).run(batch.flat());
      total += batch.length;
    });
    return total;
  }

  async loadBookings(bookings: Iterable<LoadedBooking>): Promise<number> {
    const triggers = this.db.prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'occupancies'").all() as {
      name: string;
      sql: string;
    }[];
    for (const t of triggers) this.db.exec(`drop trigger ${t.name}`);
    let total = 0;
    try {
      this.inTransactions(batches(bookings, SQLITE_BOOKINGS_PER_BATCH), BOOKINGS_PER_TRANSACTION / SQLITE_BOOKINGS_PER_BATCH, (batch) => {
        for (const { table, columns, rows } of LINKED_TABLES) {
          const values = rows(batch);
          if (values.length) this.statementFor(table, columns, values.length).run(values.flat());
        }
        total += batch.length;
      });
    } finally {
      for (const t of triggers) this.db.exec(t.sql);
    }
    await verifyLoad(this, total);
    return total;
  }

  async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const statement = this.db.prepare(text);
    return statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []);
  }

  async analyze(): Promise<void> {
    this.db.exec('analyze');
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class PostgresBulkWriter implements BulkWriter {
  constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<PostgresBulkWriter> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new PostgresBulkWriter(client);
  }

  /** Named statements are parsed and planned once per connection, table and size. */
  private run(table: string, columns: readonly string[], rows: Row[]): Promise<unknown> {
    return this.client.query({
      name: `bulk_${table}_${rows.length}`,
      text: `insert into ${table} (${columns.join(',')}) values ${valuesClause(rows.length, columns.length, true)}`,
      values: rows.flat(),
    });
  }

  private async inTransactions<T>(items: Iterable<T[]>, perTransaction: number, each: (batch: T[]) => Promise<void>): Promise<void> {
    let inTransaction = 0;
    await this.client.query('begin');
    try {
      for (const batch of items) {
        await each(batch);
        if (++inTransaction === perTransaction) {
          await this.client.query('commit');
          await this.client.query('begin');
          inTransaction = 0;
        }
      }
      await this.client.query('commit');
    } catch (error) {
      await this.client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  async insert(table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number> {
    let total = 0;
    await this.inTransactions(batches(rows, PG_ROWS_PER_STATEMENT), STATEMENTS_PER_TRANSACTION, async (batch) => {
      await this.run(table, columns, batch);
      total += batch.length;
    });
    return total;
  }

  async loadBookings(bookings: Iterable<LoadedBooking>): Promise<number> {
    let total = 0;
    await this.inTransactions(batches(bookings, PG_BOOKINGS_PER_BATCH), BOOKINGS_PER_TRANSACTION / PG_BOOKINGS_PER_BATCH, async (batch) => {
      for (const { table, columns, rows } of LINKED_TABLES) {
        const values = rows(batch);
        for (const chunk of batches(values, PG_ROWS_PER_STATEMENT)) await this.run(table, columns, chunk);
      }
      total += batch.length;
    });
    // The rows came with their ids: the sequences the service's writes draw from start after them.
    for (const table of ['bookings', 'occupancies', 'booking_events']) {
      await this.client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), coalesce((select max(id) from ${table}), 0) + 1, false)`);
    }
    await verifyLoad(this, total);
    return total;
  }

  async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(text, params)).rows as T[];
  }

  async analyze(): Promise<void> {
    await this.client.query('analyze');
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** No two occupancies of a lane overlap, and every active booking occupies its lane. */
async function verifyLoad(writer: BulkWriter, loaded: number): Promise<void> {
  const count = async (text: string) => Number((await writer.query<{ n: number | string }>(text))[0].n);
  const overlaps = await count(COUNT_OVERLAPS);
  if (overlaps > 0) throw new Error(`the bulk load made ${overlaps} overlapping occupancies`);
  const active = await count(COUNT_ACTIVE);
  const occupying = await count(COUNT_BOOKED_OCCUPANCIES);
  if (active < loaded || occupying !== active) throw new Error(`after loading ${loaded} bookings: ${active} active bookings, ${occupying} with occupancies`);
}

export async function openBulkWriter(url: string): Promise<BulkWriter> {
  const path = parseSqliteUrl(url);
  return path !== null ? new SqliteBulkWriter(path) : PostgresBulkWriter.connect(url);
}

export function kindOf(url: string): DatabaseKind {
  return parseSqliteUrl(url) !== null ? 'sqlite' : 'postgres';
}
