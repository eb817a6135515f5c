import type pg from 'pg';
import { KeyRevocations } from '../../application/ports/key-revocations';
import { Logger } from '../../application/ports/logger';

/** The channel a revocation is announced on, in the revoking transaction (delivered at its commit). */
export const KEY_REVOKED_CHANNEL = 'booking_api_key_revoked';

const RECONNECT_MS = 1_000;

/**
 * Revocations on PostgreSQL, from every process that shares the database: a connection of its own LISTENs on
 * KEY_REVOKED_CHANNEL. Until it listens (at start, after the connection is lost) the generation is unknown, so
 * keys are read from the database on every request; when it listens again, everything kept before is dropped.
 */
export class PostgresKeyRevocations implements KeyRevocations {
  private counter = 0;
  private listening = false;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {}

  generation(): number | null {
    if (this.listening) return this.counter;
    if (!this.client && !this.retry && !this.closed) this.connect();
    return null;
  }

  revokedHere(): void {
    this.counter++;
  }

  /** Resolves when the listener is up (for tests and start-up checks); false when it could not connect. */
  async ready(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.generation();
    while (!this.listening && !this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    const driver = require('pg') as typeof pg;
    const client = new driver.Client({ connectionString: this.connectionString, keepAlive: true });
    this.client = client;
    client.on('notification', () => this.counter++);
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client
      .connect()
      .then(() => client.query(`listen ${KEY_REVOKED_CHANNEL}`))
      .then(() => {
        if (this.client !== client) return;
        // Anything may have been revoked while nobody listened.
        this.counter++;
        this.listening = true;
      })
      .catch((error: unknown) => this.lost(client, error));
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client) return;
    if (!this.closed) {
      this.logger.warn(
        { err: error, retryInMs: RECONNECT_MS },
        'API key revocation listener lost its connection: keys are read from the database on every request until it is back',
      );
    }
    this.client = undefined;
    this.listening = false;
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (!this.closed) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        if (!this.closed) this.connect();
      }, RECONNECT_MS);
      this.retry.unref();
    }
  }
}
