import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { SqliteCheckpointer } from '../../src/adapters/persistence/sqlite-checkpointer';
import { Logger } from '../../src/application/ports/logger';
import { createService } from '../../src/service';
import { freshSqliteUrl } from '../support/databases';

const PAGE = 4096;
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function openWal(): SqliteDatabase.Database {
  const db = new SqliteDatabase(join(mkdtempSync(join(tmpdir(), 'booking-checkpoint-')), 'wal.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (id integer primary key, body text not null)');
  return db;
}

/** 600 commits of about a page each (1.8 MB of rows), with pauses that let a worker run. */
async function write(db: SqliteDatabase.Database): Promise<void> {
  const insert = db.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 600; i++) {
    insert.run('x'.repeat(3000));
    if (i % 20 === 19) await sleep(5);
  }
}

/** The database file's size in pages once it stops changing (or after 10 s): what checkpoints have copied into it. */
async function settledFilePages(db: SqliteDatabase.Database, atLeast: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  let pages = statSync(db.name).size / PAGE;
  while (pages < atLeast && Date.now() < deadline) {
    await sleep(20);
    pages = statSync(db.name).size / PAGE;
  }
  return pages;
}

describe('SqliteCheckpointer', () => {
  it('checkpoints on its worker, while the serving connection never checkpoints', async () => {
    const ROW_PAGES = 600;
    // Control: with its own automatic checkpoint pushed out of reach and no worker, nothing reaches the file.
    const alone = openWal();
    alone.pragma('wal_autocheckpoint = 1000000');
    await write(alone);
    await sleep(200);
    expect(statSync(alone.name).size / PAGE).toBeLessThan(10);
    alone.close();

    const db = openWal();
    const checkpointer = new SqliteCheckpointer(db, quiet, { intervalMs: 5, restartPages: 50, backstopPages: 1_000_000 });
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000_000);
      await write(db);
      // The worker copied the rows into the file (however busy the machine, it gets there).
      expect(await settledFilePages(db, ROW_PAGES)).toBeGreaterThanOrEqual(ROW_PAGES);
      // Everything written is there.
      expect(db.prepare('select count(*) from t').pluck().get()).toBe(600);
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it('gives the serving connection its backstop, and stop ends the worker once, however often it is called', async () => {
    const db = openWal();
    const checkpointer = new SqliteCheckpointer(db, quiet);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(20_000);
    await Promise.all([checkpointer.stop(), checkpointer.stop()]);
    await checkpointer.stop();
    db.close();
  });

  it('is what the service starts for a SQLite file when asked, and close ends it', async () => {
    const background = await createService({ databaseUrl: freshSqliteUrl(), backgroundCheckpoints: true });
    const plain = await createService({ databaseUrl: freshSqliteUrl() });
    try {
      const autocheckpoint = async (service: typeof plain) =>
        (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(service.database.db)).rows[0].wal_autocheckpoint;
      expect(await autocheckpoint(background)).toBe(20_000);
      expect(await autocheckpoint(plain)).toBe(1_000);
    } finally {
      await background.close();
      await plain.close();
    }
  });
});
