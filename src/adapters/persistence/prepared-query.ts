import { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult, RawBuilder } from 'kysely';
import { Database } from './schema';

/** Runs a compiled statement at once on the SQLite connection, as Kysely's driver would but without its queue. */
export type DirectRunner = (sql: string, parameters: readonly unknown[]) => QueryResult<unknown>;
const directRunners = new WeakMap<DialectAdapter, DirectRunner>();

/** Makes `runner` the direct runner of `db`'s transactions (SQLite only). */
export function setDirectRunner(db: Kysely<Database>, runner: DirectRunner): void {
  directRunners.set(db.getExecutor().adapter, runner);
}

/**
 * The direct runner of `db` when it is a transaction on SQLite, else undefined. A SQLite transaction holds the one
 * connection from BEGIN to COMMIT, so nothing else can run a statement on it meanwhile: statements inside it may skip
 * Kysely's connection queue and promise hops and run synchronously (better-sqlite3 is synchronous anyway).
 */
export function directRunnerOf(db: Kysely<Database>): DirectRunner | undefined {
  return db.isTransaction ? directRunners.get(db.getExecutor().adapter) : undefined;
}

/**
 * The SQL texts of prepared queries, each with a statement name: on PostgreSQL each connection parses and plans such
 * a text once, as a named prepared statement, and then only binds values (`database.ts` sends them so). Bounded by
 * the queries written in the code, one text per query and dialect.
 */
const statementNames = new Map<string, string>();

/** The statement name of a prepared query's SQL text, or undefined for any other text. */
export function statementNameOf(sql: string): string | undefined {
  return statementNames.get(sql);
}

/** Stands, in a query built once, for the value of `name` supplied at each run. */
class Slot {
  constructor(readonly name: string) {}
}

/** An object whose every property reads as the slot of that name. */
const SLOTS: Record<string, unknown> = new Proxy({}, { get: (_target, name) => (typeof name === 'string' ? new Slot(name) : undefined) });

/**
 * A query of fixed shape, built with Kysely and compiled once per dialect, then run with new values. Kysely builds
 * and compiles a statement's tree on every call, which on the hottest paths costs more than SQLite takes to run
 * the statement; a prepared query keeps the SQL where it is written (in the repository, with Kysely's types) and
 * pays that cost once.
 *
 * `build` receives stand-ins for the run's values and must use each only as a value (`where('id', '=', v.id)`,
 * `values({ name: v.name })`): every property it reads becomes a parameter, filled from the run's value of the
 * same name (`undefined` becomes NULL). What changes the SQL text itself (optional filters, list lengths) does not
 * belong here: give each shape its own prepared query.
 */
export class PreparedQuery<P extends object, R> {
  readonly #compiled = new WeakMap<object, CompiledQuery<R>>();

  constructor(private readonly build: (db: Kysely<Database>, values: P) => Compilable<R> | RawBuilder<R>) {}

  execute(db: Kysely<Database>, values: P): Promise<QueryResult<R>> {
    // Compiled SQL depends only on the dialect; a transaction shares its database's adapter.
    const adapter = db.getExecutor().adapter;
    let compiled = this.#compiled.get(adapter);
    if (!compiled) {
      // A raw `sql` template compiles against the database it is given; query builders ignore it and use theirs.
      compiled = (this.build(db, SLOTS as P) as RawBuilder<R>).compile(db);
      this.#compiled.set(adapter, compiled);
      if (!statementNames.has(compiled.sql)) statementNames.set(compiled.sql, `prepared_${statementNames.size + 1}`);
    }
    const template = compiled.parameters;
    const parameters = new Array<unknown>(template.length);
    for (let i = 0; i < template.length; i++) {
      const p = template[i];
      parameters[i] = p instanceof Slot ? ((values as Record<string, unknown>)[p.name] ?? null) : p;
    }
    const direct = directRunnerOf(db);
    if (direct) return Promise.resolve(direct(compiled.sql, parameters) as QueryResult<R>);
    return db.executeQuery<R>({ sql: compiled.sql, query: compiled.query, queryId: compiled.queryId, parameters });
  }

  async first(db: Kysely<Database>, values: P): Promise<R | undefined> {
    return (await this.execute(db, values)).rows[0];
  }

  async all(db: Kysely<Database>, values: P): Promise<R[]> {
    return (await this.execute(db, values)).rows;
  }
}
