import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { migrations } from '../../migrations';
import { openDatabase } from '../../src/adapters/persistence/database';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli.js');

describe.each(DIALECTS)('instances starting together on one new %s database', (dialect) => {
  it('apply each migration exactly once, and all of them succeed', async () => {
    const DATABASE_URL = await freshDatabaseUrl(dialect);
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL, LOG_LEVEL: 'silent' };
    const outputs = await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, [CLI, 'migrate', 'up'], { env })));
    const applied = outputs.flatMap((o) => o.stdout.match(/applied \S+/g) ?? []);
    expect(applied.sort()).toEqual(Object.keys(migrations).map((name) => `applied ${name}`));
    const handle = openDatabase(DATABASE_URL);
    try {
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handle.db);
      expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
    } finally {
      await handle.close();
    }
  });
});
