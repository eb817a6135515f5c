import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import { Logger } from '../../application/ports/logger';

export interface CheckpointerOptions {
  /** Pause between passive checkpoints (default 25 ms). */
  intervalMs?: number;
  /** Log length, in pages, past which the worker restarts the log (default 4,000, about 16 MB). */
  restartPages?: number;
  /** The serving connection's own automatic checkpoint while the worker runs (default 20,000 pages). */
  backstopPages?: number;
}

/** SQLite's own automatic checkpoint, put back when the worker is gone. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/**
 * The worker's code, plain CommonJS so that it runs the same from `dist` and under ts-jest. A connection of its
 * own copies the write-ahead log into the database file with PASSIVE checkpoints, which never wait for or block
 * writers, and once the log has grown past `restartPages` (it cannot be rewound while writers keep appending)
 * with a RESTART, which waits for the writer in progress and makes the next one start the log from the top.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const passive = db.prepare('pragma wal_checkpoint(PASSIVE)');
const restart = db.prepare('pragma wal_checkpoint(RESTART)');
const timer = setInterval(() => {
  try {
    if (passive.get().log >= workerData.restartPages) restart.get();
  } catch (error) {
    // Busy past the timeout, or the file went away: the next turn tries again, and the serving connection's
    // own automatic checkpoint bounds the log meanwhile. Told to the parent, which logs it.
    parentPort.postMessage(String(error && error.message));
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints of a SQLite file on a worker thread. In WAL mode every commit appends its pages to the log, and the
 * commit that takes the log past 1,000 pages copies them into the database file and waits for two fsyncs, with
 * the event loop stopped: about a seventh to a quarter of the time of a stream of bookings (BENCHMARKS.md). Here a
 * worker does that copying beside the event loop; the serving connection keeps an automatic checkpoint only as
 * a backstop, and goes back to SQLite's default if the worker ends.
 *
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopping: Promise<void> | null = null;

  private lastReported = 0;

  constructor(sqlite: SqliteDatabase.Database, logger: Logger, options: CheckpointerOptions = {}) {
    const backstopPages = options.backstopPages ?? 20_000;
    sqlite.pragma(`wal_autocheckpoint = ${backstopPages}`);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        path: sqlite.name,
        busyTimeoutMs: 10_000,
        intervalMs: options.intervalMs ?? 25,
        restartPages: options.restartPages ?? 4_000,
      },
      // It holds one connection and a timer: a small heap is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    // Never what keeps the process alive; if it fails, the serving connection checkpoints as SQLite does alone.
    this.worker.unref();
    this.worker.on('message', (message: string) => {
      // At most one line a minute: a file busy for long would otherwise write one every turn.
      if (Date.now() - this.lastReported < 60_000) return;
      this.lastReported = Date.now();
      logger.warn({ error: message }, 'SQLite checkpoint failed; retrying, with SQLite\'s own checkpoint as a backstop');
    });
    this.worker.on('error', (error) => logger.error({ err: error }, 'SQLite checkpoint worker failed; SQLite checkpoints in commits again'));
    this.worker.once('exit', () => {
      if (!this.stopping && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    });
  }

  /** Ends the worker (after the checkpoint in progress) and waits until it has exited. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.worker.threadId === -1) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
    return this.stopping;
  }
}
