import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  PostgresDialect,
  QueryCompiler,
  QueryResult,
  SqliteAdapter,
  SqliteDialect,
  SqliteDialectConfig,
  SqliteDriver,
  TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import { setDirectRunner, statementNameOf } from './prepared-query';
import { DatabaseUnavailableError } from '../../domain/errors';
import { isUnavailable } from './kysely-errors';
import { Database } from './schema';

export type DialectName = 'postgres' | 'sqlite';

/** What differs between the databases, decided once here instead of `if (sqlite)` across the adapters. */
export interface Capabilities {
  dialect: DialectName;
  /** `SELECT ... FOR UPDATE` row locks (Postgres). SQLite transactions already hold the single write lock. */
  rowLocks: boolean;
}

/** The driver under the Kysely instance, for the parts that talk to it directly (revocation listeners, checkpoints). */
export type DriverHandle =
  | { dialect: 'postgres'; connectionString: string }
  | { dialect: 'sqlite'; sqlite: SqliteDatabase.Database; path: string };

export interface DatabaseHandle {
  db: Kysely<Database>;
  capabilities: Capabilities;
  driver: DriverHandle;
  /** A short description without credentials, for logs. */
  describe: string;
  /** Ends the pool or closes the SQLite file. */
  close(): Promise<void>;
  /** Live pool figures for metrics; one idle connection on SQLite. */
  poolStats(): { total: number; idle: number; waiting: number };
}

export interface DatabaseOptions {
  poolSize?: number;
  /**
   * Told about errors of idle pooled connections (PostgreSQL closed them: a restart, a failover, an idle timeout).
   * The pool drops such a connection and opens another when asked; without a listener the error would end the process.
   */
  onIdleConnectionError?: (error: Error) => void;
}

class ImmediateSqliteDriver extends SqliteDriver {
  // Take the write lock at BEGIN: a transaction that reads then writes never races another process.
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  // SQLite does roll back DDL. Saying so makes Kysely's migrator run in one (immediate) transaction, which is
  // also what keeps two processes starting on one new file from both applying the same migration.
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

function translated(error: unknown): unknown {
  return isUnavailable(error) ? new DatabaseUnavailableError(error) : error;
}

/** Runs `work`, translating its failure; a driver may also throw before it returns a promise (SQLite does). */
async function translating<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translated(error);
  }
}

class TranslatingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return translating(() => this.inner.executeQuery<R>(query));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw translated(error);
    }
  }
}

const innerOf = (connection: DatabaseConnection) => (connection as TranslatingConnection).inner;

/**
 * The one seam where a driver failure that means "the database cannot do this now" (see `isUnavailable`) becomes
 * DatabaseUnavailableError, for every statement of every adapter, transactions and migrations included.
 */
class TranslatingDriver implements Driver {
  private readonly connections = new WeakMap<DatabaseConnection, TranslatingConnection>();

  constructor(
    private readonly inner: Driver,
    /** False when the connection's transaction is already over, so a failed ROLLBACK has nothing left to undo. */
    private readonly transactionOpen: () => boolean,
  ) {}

  init(): Promise<void> {
    return translating(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await translating(() => this.inner.acquireConnection());
    let wrapped = this.connections.get(connection);
    if (!wrapped) {
      wrapped = new TranslatingConnection(connection);
      this.connections.set(connection, wrapped);
    }
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return translating(() => this.inner.beginTransaction(innerOf(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return translating(() => this.inner.commitTransaction(innerOf(connection)));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction(innerOf(connection));
    } catch (error) {
      // SQLite ends a transaction by itself on some failures (SQLITE_FULL, SQLITE_BUSY): the ROLLBACK that follows
      // fails, and would hide the failure that matters, which Kysely rethrows once this returns.
      if (!this.transactionOpen()) return;
      throw translated(error);
    }
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return translating(() => this.inner.savepoint!(innerOf(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return translating(() => this.inner.rollbackToSavepoint!(innerOf(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return translating(() => this.inner.releaseSavepoint!(innerOf(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class TranslatingDialect implements Dialect {
  constructor(
    private readonly inner: Dialect,
    private readonly transactionOpen: () => boolean = () => true,
  ) {}

  createDriver(): Driver {
    return new TranslatingDriver(this.inner.createDriver(), this.transactionOpen);
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}

const INT8_OID = 20;
/** How long a request waits for a pooled connection, or for a new one to open, before it is told 503. */
const CONNECT_TIMEOUT_MS = 5_000;
const KEEPALIVE_DELAY_MS = 10_000;
const STATEMENT_CACHE_LIMIT = 1000;

/**
 * Kysely prepares every query afresh; the service issues a small, fixed set of SQL texts, so keep their prepared
 * statements (better-sqlite3 statements are reusable with new parameters).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): { prepare(sql: string): SqliteDatabase.Statement; close(): void } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
        statement = sqlite.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function parseSqliteUrl(url: string): string | null {
  if (!url.startsWith('sqlite:')) return null;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? ':memory:' : path.replace(/^\/\/(?=\/)/, '');
}

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on every run. The statements of prepared
 * queries (a fixed set of texts) go out named instead: each connection parses and plans one once, then only binds.
 */
function runPreparedQueriesAsNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown) => {
    const name = typeof text === 'string' ? statementNameOf(text) : undefined;
    return name ? query({ name, text, values }) : query(text, values);
  };
}

/** Opens the database a `DATABASE_URL` names: `postgres://...` or `sqlite:<path>` / `sqlite::memory:`. */
export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  if (isPostgresUrl(url)) {
    // Loaded only when PostgreSQL is used, to keep the SQLite start-up short.
    const driver = require('pg') as typeof pg;
    const pool = new driver.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    pool.on('error', (error) => options.onIdleConnectionError?.(error));
    // The pool listens for errors only on idle connections. One lost while lent out (PostgreSQL stopped or the
    // backend terminated between two statements) would end the process: its statement reports the failure, and
    // the pool drops the connection when it comes back.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
      runPreparedQueriesAsNamedStatements(client);
    });
    const parsed = new URL(url);
    const db = new Kysely<Database>({ dialect: new TranslatingDialect(new PostgresDialect({ pool })) });
    return {
      db,
      capabilities: { dialect: 'postgres', rowLocks: true },
      driver: { dialect: 'postgres', connectionString: url },
      describe: `postgres ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => db.destroy(),
    };
  }
  const path = parseSqliteUrl(url);
  if (path === null) throw new Error(`DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got "${url.split(':')[0]}:...")`);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path, { timeout: 10_000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({
    dialect: new TranslatingDialect(new ImmediateSqliteDialect({ database: statements as unknown as SqliteDialectConfig['database'] }), () => sqlite.inTransaction),
  });
  setDirectRunner(db, (sql, parameters) => {
    try {
      const statement = statements.prepare(sql);
      if (statement.reader) return { rows: statement.all(parameters) };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    } catch (error) {
      throw translated(error);
    }
  });
  return {
    db,
    capabilities: { dialect: 'sqlite', rowLocks: false },
    driver: { dialect: 'sqlite', sqlite, path },
    describe: `sqlite ${path}`,
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: () => db.destroy(),
  };
}
