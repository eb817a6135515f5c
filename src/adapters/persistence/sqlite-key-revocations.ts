import SqliteDatabase from 'better-sqlite3';
import { KeyRevocations } from '../../application/ports/key-revocations';

/**
 * Revocations on SQLite. `PRAGMA data_version` changes when another connection (another process: an instance
 * sharing the file, the command-line tool) commits to the file; this process's own revocations are reported by
 * the use case. Any outside commit drops every key kept. The version is read once per turn of the event loop
 * (the read costs about as much as a small query), so every request of a turn sees the commits made before it began.
 */
export class SqliteKeyRevocations implements KeyRevocations {
  private readonly dataVersion: SqliteDatabase.Statement;
  private seen: unknown;
  private counter = 0;
  private readThisTurn = false;

  constructor(sqlite: SqliteDatabase.Database) {
    this.dataVersion = sqlite.prepare('pragma data_version').pluck();
    this.seen = this.dataVersion.get();
  }

  generation(): number | null {
    if (this.readThisTurn) return this.counter;
    let version: unknown;
    try {
      version = this.dataVersion.get();
    } catch {
      return null; // closed
    }
    if (version !== this.seen) {
      this.seen = version;
      this.counter++;
    }
    this.readThisTurn = true;
    setImmediate(() => {
      this.readThisTurn = false;
    });
    return this.counter;
  }

  revokedHere(): void {
    this.counter++;
  }
}
