import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openDatabase, parseSqliteUrl } from '../../src/adapters/persistence/database';
import { migrateToLatest } from '../../src/adapters/persistence/migrator';
import { startEmbeddedPostgres } from '../../test/support/embedded-postgres';
import { Row } from './data';

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

/** Multi-row prepared INSERTs straight into a table, in transactions: the bulk path of the benchmark's loads. */
export interface BulkWriter {
  insert(table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number>;
  /**
   * Inserts bookings known not to overlap, then proves it with one query. SQLite's no-overlap triggers are
   * dropped for the load and recreated as they were: their check scans every earlier span of the provider (no
   * lower bound on block_start), which makes a large load quadratic. Postgres keeps its exclusion constraint.
   */
  insertNonOverlappingBookings(columns: readonly string[], rows: Iterable<Row>): Promise<number>;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Refreshes planner statistics. */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/** Active spans of one provider sorted by start overlap somewhere iff some span overlaps the one before it. */
const COUNT_OVERLAPS = `select count(*) as n from (
  select block_start, lag(block_end) over (partition by provider_id order by block_start, id) as previous_end
  from bookings where status = 'active') spans
  where previous_end > block_start`;

const SQLITE_ROWS_PER_STATEMENT = 500;
const PG_ROWS_PER_STATEMENT = 1000;
const STATEMENTS_PER_TRANSACTION = 100;

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

function* batches(rows: Iterable<Row>, size: number): Generator<Row[]> {
  let batch: Row[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

class SqliteBulkWriter implements BulkWriter {
  private readonly db: SqliteDatabase.Database;

  constructor(path: string) {
    this.db = new SqliteDatabase(path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
  }

  async insert(table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number> {
    const head = `insert into ${table} (${columns.join(',')}) values `;
    const statements = new Map<number, SqliteDatabase.Statement>();
    const statementFor = (n: number) => {
      let s = statements.get(n);
      if (!s) statements.set(n, (s = this.db.prepare(head + valuesClause(n, columns.length, false))));
      return s;
    };
    let total = 0;
    let inTransaction = 0;
    this.db.exec('begin immediate');
    try {
      for (const batch of batches(rows, SQLITE_ROWS_PER_STATEMENT)) {
        statementFor(batch.length).run(batch.flat());
        total += batch.length;
        if (++inTransaction === STATEMENTS_PER_TRANSACTION) {
          this.db.exec('commit; begin immediate');
          inTransaction = 0;
        }
      }
      this.db.exec('commit');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('rollback');
      throw error;
    }
    return total;
  }

  async insertNonOverlappingBookings(columns: readonly string[], rows: Iterable<Row>): Promise<number> {
    const triggers = this.db.prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'bookings'").all() as {
      name: string;
      sql: string;
    }[];
    for (const t of triggers) this.db.exec(`drop trigger ${t.name}`);
    let total: number;
    try {
      total = await this.insert('bookings', columns, rows);
    } finally {
      for (const t of triggers) this.db.exec(t.sql);
    }
    const { n } = this.db.prepare(COUNT_OVERLAPS).get() as { n: number };
    if (n > 0) throw new Error(`the bulk load made ${n} overlapping active bookings`);
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

  async insert(table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number> {
    const head = `insert into ${table} (${columns.join(',')}) values `;
    let total = 0;
    let inTransaction = 0;
    await this.client.query('begin');
    try {
      for (const batch of batches(rows, PG_ROWS_PER_STATEMENT)) {
        // Named statements are parsed and planned once per connection and size.
        await this.client.query({
          name: `bulk_${table}_${batch.length}`,
          text: head + valuesClause(batch.length, columns.length, true),
          values: batch.flat(),
        });
        total += batch.length;
        if (++inTransaction === STATEMENTS_PER_TRANSACTION) {
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
    return total;
  }

  async insertNonOverlappingBookings(columns: readonly string[], rows: Iterable<Row>): Promise<number> {
    return this.insert('bookings', columns, rows);
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

export async function openBulkWriter(url: string): Promise<BulkWriter> {
  const path = parseSqliteUrl(url);
  return path !== null ? new SqliteBulkWriter(path) : PostgresBulkWriter.connect(url);
}

export function kindOf(url: string): DatabaseKind {
  return parseSqliteUrl(url) !== null ? 'sqlite' : 'postgres';
}
