/**
 * The service in process: open the database, bring its schema up to date, and get every use case, with no HTTP.
 */
import type { DependencyContainer } from 'tsyringe';
import { Dispatcher, DispatcherOptions } from './application/dispatcher';
import { IdempotentExecution } from './application/idempotency';
import { Clock } from './application/ports/clock';
import { HoldCounts } from './application/ports/hold-repository';
import { KeyRevocations } from './application/ports/key-revocations';
import { Repositories } from './application/ports/unit-of-work';
import { Logger } from './application/ports/logger';
import { Mailer } from './application/ports/mailer';
import { ManageTokens } from './application/ports/manage-tokens';
import { Outbox, OutboxStats } from './application/ports/outbox';
import { WebhookSender } from './application/ports/webhook-sender';
import { UseCases } from './application/use-cases';
import { TimeZones } from './domain/time-zones';
import { SmtpMailer } from './adapters/mail/smtp-mailer';
import { DatabaseHandle, openDatabase } from './adapters/persistence/database';
import { migrateToLatest } from './adapters/persistence/migrator';
import { PostgresKeyRevocations } from './adapters/persistence/postgres-key-revocations';
import { SqliteCheckpointer } from './adapters/persistence/sqlite-checkpointer';
import { KyselyServiceKeys } from './adapters/persistence/kysely-service-keys';
import { SystemClock } from './adapters/system/system-clock';
import { compose, TOKENS } from './main';

/** The name of the key in `service_keys` that manage tokens are derived from. */
const MANAGE_TOKEN_KEY = 'manage_tokens';

export interface ServiceOptions {
  /** `postgres://...` or `sqlite:<path>` / `sqlite::memory:`. */
  databaseUrl: string;
  /** Replaces the system clock (tests, simulations). */
  clock?: Clock;
  /** How long idempotency keys are kept; at least 24. */
  idempotencyTtlHours?: number;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  poolSize?: number;
  /**
   * SQLite files: checkpoint the write-ahead log on a worker thread instead of inside commits (default false here;
   * `startServer`, the HTTP server, turns it on).
   */
  backgroundCheckpoints?: boolean;
  /** Webhook targets on loopback and private networks are allowed (WEBHOOK_ALLOW_PRIVATE_URLS). */
  allowPrivateWebhookUrls?: boolean;
  /** SMTP server for booking emails (SMTP_URL); unset: emails go to the logger. */
  smtpUrl?: string;
  mailFrom?: string;
  /** PUBLIC_URL: emails to customers link to their booking's manage page under it; unset, they carry no link. */
  publicUrl?: string;
  /** Replaces the mailer chosen from `smtpUrl`. */
  mailer?: Mailer;
  /** Replaces the webhook sender (signed POSTs with fetch). */
  webhookSender?: WebhookSender;
  /** Retry schedule, batch sizes and polling of the outbox dispatcher. */
  dispatcher?: DispatcherOptions;
  /** For work outside requests (outbox dispatch, logged email, background failures); silent by default. */
  logger?: Logger;
}

/** The service, in process: every use case, callable without HTTP. */
export interface BookingService {
  useCases: UseCases;
  database: DatabaseHandle;
  /** How this process learns of API keys revoked by any process on the database. */
  keyRevocations: KeyRevocations;
  zones: TimeZones;
  clock: Clock;
  /** Derives each booking's manage token (the same on every instance of one database). */
  manageTokens: ManageTokens;
  /** Delivers webhooks and email from the outbox: `start`ed by `startServer`, or driven with `runOnce`. */
  dispatcher: Dispatcher;
  /** The outbox backlog, for metrics. */
  outboxStats(): Promise<OutboxStats>;
  /** Holds by state now, for metrics. */
  holdStats(): Promise<HoldCounts>;
  /** Deletes idempotency records older than their time to live; returns how many. */
  purgeExpiredIdempotencyKeys(): Promise<number>;
  /** True when the database answers. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens the database, brings its schema up to date and wires every use case. */
export async function createService(options: ServiceOptions): Promise<BookingService> {
  const logger = options.logger;
  const handle = openDatabase(options.databaseUrl, {
    poolSize: options.poolSize,
    onIdleConnectionError: (error) => logger?.warn({ err: error }, 'a pooled database connection was closed; the pool opens another when needed'),
  });
  try {
    if (options.migrate !== false) await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    throw error;
  }
  let manageTokenKey: Buffer;
  try {
    manageTokenKey = await new KyselyServiceKeys(handle.db, options.clock ?? new SystemClock()).obtain(MANAGE_TOKEN_KEY);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const container = compose(handle, { ...options, manageTokenKey }, {
    clock: options.clock,
    logger: options.logger,
    mailer: options.mailer,
    webhookSender: options.webhookSender,
  });
  const resolve = <T>(token: symbol) => container.resolve<T>(token);
  const checkpointer = resolve<SqliteCheckpointer | null>(TOKENS.Checkpointer);
  const dispatcher = resolve<Dispatcher>(TOKENS.Dispatcher);
  return {
    useCases: resolve<UseCases>(TOKENS.UseCases),
    database: handle,
    keyRevocations: resolve<KeyRevocations>(TOKENS.KeyRevocations),
    zones: resolve<TimeZones>(TOKENS.TimeZones),
    clock: resolve<Clock>(TOKENS.Clock),
    manageTokens: resolve<ManageTokens>(TOKENS.ManageTokens),
    dispatcher,
    isReady: async () => {
      await handle.db.selectFrom('providers').select('id').limit(1).execute();
      return true;
    },
    outboxStats: () => resolve<Outbox>(TOKENS.Outbox).stats(),
    holdStats: () => resolve<Repositories>(TOKENS.Repositories).holds.countByState(resolve<Clock>(TOKENS.Clock).now()),
    purgeExpiredIdempotencyKeys: () => resolve<IdempotentExecution>(TOKENS.Idempotency).purgeExpired(),
    close: () => closeAll(container, handle, dispatcher, checkpointer),
  };
}

async function closeAll(container: DependencyContainer, handle: DatabaseHandle, dispatcher: Dispatcher, checkpointer: SqliteCheckpointer | null) {
  await dispatcher.stop();
  const mailer = container.resolve<Mailer>(TOKENS.Mailer);
  if (mailer instanceof SmtpMailer) mailer.close();
  const revocations = container.resolve(TOKENS.KeyRevocations);
  if (revocations instanceof PostgresKeyRevocations) await revocations.close();
  await checkpointer?.stop();
  await handle.close();
}
