import { Kysely, MigrationResult, Migrator } from 'kysely';
import { migrations } from '../../../migrations';

export class SchemaTooNewError extends Error {
  constructor(unknown: string[]) {
    super(
      `The database schema is newer than this code (it has migrations this build does not know: ${unknown.join(', ')}). ` +
        'Deploy the newer code, or restore a matching database; nothing was changed.',
    );
  }
}

function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export interface MigrationStatus {
  name: string;
  executedAt: Date | null;
}

export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatus[]> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}

async function assertNotNewer(db: Kysely<any>): Promise<void> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return;
  const rows = await db.selectFrom('kysely_migration').select('name').execute();
  const unknown = rows.map((r) => r.name as string).filter((name) => !(name in migrations));
  if (unknown.length) throw new SchemaTooNewError(unknown);
}

function check(results: MigrationResult[] | undefined, error: unknown): MigrationResult[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return results ?? [];
}

/** Brings the schema up to date; refuses, touching nothing, when the database is newer than this code. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResult[]> {
  await assertNotNewer(db);
  const { results, error } = await migrator(db).migrateToLatest();
  return check(results, error);
}

/** Undoes the latest migration. */
export async function migrateDown(db: Kysely<any>): Promise<MigrationResult[]> {
  await assertNotNewer(db);
  const { results, error } = await migrator(db).migrateDown();
  return check(results, error);
}
