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

/** 600 commits of about a page each, with pauses that let a worker run; returns the log's size in pages. */
async function writeAndMeasureLog(db: SqliteDatabase.Database): Promise<number> {
  const insert = db.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 600; i++) {
    insert.run('x'.repeat(3000));
    if (i % 20 === 19) await sleep(5);
  }
  await sleep(100);
  return statSync(`${db.name}-wal`).size / PAGE;
}

describe('SqliteCheckpointer', () => {
  it('checkpoints on its worker, so the log stays short while the serving connection never checkpoints', async () => {
    // Control: with its own automatic checkpoint pushed out of reach and no worker, the log only grows.
    const alone = openWal();
    alone.pragma('wal_autocheckpoint = 1000000');
    const unbounded = await writeAndMeasureLog(alone);
    alone.close();

    const db = openWal();
    const checkpointer = new SqliteCheckpointer(db, quiet, { intervalMs: 5, restartPages: 50, backstopPages: 1_000_000 });
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000_000);
      const bounded = await writeAndMeasureLog(db);
      // Seen: 1,800 pages alone, 300-420 with the worker (the file keeps the longest the log has been).
      expect(unbounded).toBeGreaterThan(1200);
      expect(bounded).toBeLessThan(unbounded / 3);
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
