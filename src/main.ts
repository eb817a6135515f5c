import 'reflect-metadata';
import { FastifyInstance } from 'fastify';
import { container as rootContainer, DependencyContainer, instanceCachingFactory } from 'tsyringe';
import { IdempotentExecution } from './application/idempotency';
import { Clock } from './application/ports/clock';
import { Secrets } from './application/ports/secrets';
import { Repositories, UnitOfWork } from './application/ports/unit-of-work';
import {
  createCalendarUseCases,
  CreateWebhook,
  DeleteWebhook,
  GetWebhook,
  ListWebhookDeliveries,
  ListWebhooks,
  UseCases,
} from './application/use-cases';
import { TimeZones } from './domain/time-zones';
import { AppConfig, ConfigError, loadConfig } from './adapters/config/config';
import { buildApp, HttpAppOptions } from './adapters/http/app';
import { loggerOptions } from './adapters/http/logging';
import { DatabaseHandle, openDatabase } from './adapters/persistence/database';
import { KyselyUnitOfWork, kyselyRepositories } from './adapters/persistence/kysely-unit-of-work';
import { migrateToLatest } from './adapters/persistence/migrator';
import { NodeCryptoSecrets } from './adapters/system/node-crypto-secrets';
import { applyHeapGrowth, limitYoungGeneration } from './adapters/system/heap-growth';
import { SystemClock } from './adapters/system/system-clock';
import { LuxonTimeZones } from './adapters/time/luxon-time-zones';
import { Dispatcher, DispatcherOptions } from './application/dispatcher';
import { Logger } from './application/ports/logger';
import { Mailer } from './application/ports/mailer';
import { Outbox, OutboxStats } from './application/ports/outbox';
import { WebhookRepository } from './application/ports/webhook-repository';
import { WebhookUrlPolicy } from './application/ports/webhook-url-policy';
import { LogMailer } from './adapters/mail/log-mailer';
import { SmtpMailer } from './adapters/mail/smtp-mailer';
import { KyselyOutbox } from './adapters/persistence/kysely-outbox';
import { KyselyWebhookRepository } from './adapters/persistence/kysely-webhook-repository';
import { jsonLogger } from './adapters/system/json-logger';
import { DnsWebhookUrlPolicy } from './adapters/webhooks/dns-webhook-url-policy';
import { FetchWebhookSender } from './adapters/webhooks/fetch-webhook-sender';

/** Injection tokens: the composition root is the only place that registers anything. */
export const TOKENS = {
  Database: Symbol('Database'),
  Clock: Symbol('Clock'),
  TimeZones: Symbol('TimeZones'),
  Secrets: Symbol('Secrets'),
  UnitOfWork: Symbol('UnitOfWork'),
  Store: Symbol('Store'),
  Idempotency: Symbol('Idempotency'),
  Config: Symbol('Config'),
} as const;

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
  /** SMTP server for booking emails (SMTP_URL); unset: emails go to the log. */
  smtpUrl?: string;
  mailFrom?: string;
  /** Replaces the mailer chosen from `smtpUrl`. */
  mailer?: Mailer;
  /** Retry schedule, batch sizes and polling of the outbox dispatcher. */
  dispatcher?: DispatcherOptions;
  /** For work outside requests (outbox dispatch, logged email); JSON lines on stdout by default. */
  logger?: Logger;
}

/** The service, in process: every use case, callable without HTTP. */
export interface BookingService {
  useCases: UseCases;
  database: DatabaseHandle;
  zones: TimeZones;
  clock: Clock;
  /** Delivers webhooks and email from the outbox: `start`ed by `startServer`, or driven with `runOnce`. */
  dispatcher: Dispatcher;
  /** The outbox backlog, for metrics. */
  outboxStats(): Promise<OutboxStats>;
  /** Deletes idempotency records older than their time to live; returns how many. */
  purgeExpiredIdempotencyKeys(): Promise<number>;
  /** True when the database answers. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

function register(c: DependencyContainer, token: symbol, factory: (c: DependencyContainer) => unknown): void {
  c.register(token, { useFactory: instanceCachingFactory(factory) });
}

const OUTBOX_TOKENS = {
  Logger: Symbol('Logger'),
  Outbox: Symbol('Outbox'),
  Webhooks: Symbol('Webhooks'),
  WebhookUrlPolicy: Symbol('WebhookUrlPolicy'),
  Mailer: Symbol('Mailer'),
  Dispatcher: Symbol('Dispatcher'),
} as const;

function wireOutbox(c: DependencyContainer, handle: DatabaseHandle, options: ServiceOptions): void {
  c.register(OUTBOX_TOKENS.Logger, { useValue: options.logger ?? jsonLogger() });
  register(c, OUTBOX_TOKENS.Outbox, () => new KyselyOutbox(handle.db, handle.capabilities));
  register(c, OUTBOX_TOKENS.Webhooks, () => new KyselyWebhookRepository(handle.db, handle.capabilities));
  register(c, OUTBOX_TOKENS.WebhookUrlPolicy, () => new DnsWebhookUrlPolicy(options.allowPrivateWebhookUrls ?? false));
  const from = options.mailFrom ?? 'Booking service <bookings@localhost>';
  register(
    c,
    OUTBOX_TOKENS.Mailer,
    (r) => options.mailer ?? (options.smtpUrl ? new SmtpMailer(options.smtpUrl, from) : new LogMailer(r.resolve<Logger>(OUTBOX_TOKENS.Logger), from)),
  );
  register(
    c,
    OUTBOX_TOKENS.Dispatcher,
    (r) =>
      new Dispatcher(
        r.resolve<Outbox>(OUTBOX_TOKENS.Outbox),
        r.resolve<WebhookRepository>(OUTBOX_TOKENS.Webhooks),
        r.resolve<Repositories>(TOKENS.Store).providers,
        new FetchWebhookSender(r.resolve<WebhookUrlPolicy>(OUTBOX_TOKENS.WebhookUrlPolicy), r.resolve<Clock>(TOKENS.Clock)),
        r.resolve<Mailer>(OUTBOX_TOKENS.Mailer),
        r.resolve<Clock>(TOKENS.Clock),
        r.resolve<Logger>(OUTBOX_TOKENS.Logger),
        options.dispatcher,
      ),
  );
}

function wire(c: DependencyContainer, handle: DatabaseHandle, options: ServiceOptions): UseCases {
  c.register(TOKENS.Database, { useValue: handle });
  c.register(TOKENS.Clock, { useValue: options.clock ?? new SystemClock() });
  c.register(TOKENS.TimeZones, { useValue: new LuxonTimeZones() });
  c.register(TOKENS.Secrets, { useValue: new NodeCryptoSecrets() });
  register(c, TOKENS.UnitOfWork, () => new KyselyUnitOfWork(handle.db, handle.capabilities));
  register(c, TOKENS.Store, () => kyselyRepositories(handle.db, handle.capabilities));
  register(
    c,
    TOKENS.Idempotency,
    (r) =>
      new IdempotentExecution(r.resolve<Repositories>(TOKENS.Store).idempotency, r.resolve<Clock>(TOKENS.Clock), {
        ttlMs: (options.idempotencyTtlHours ?? 24) * 3_600_000,
        waitMs: 10_000,
        staleAfterMs: 60_000,
      }),
  );

  const uow = () => c.resolve<UnitOfWork>(TOKENS.UnitOfWork);
  const store = () => c.resolve<Repositories>(TOKENS.Store);
  const clock = () => c.resolve<Clock>(TOKENS.Clock);
  const zones = () => c.resolve<TimeZones>(TOKENS.TimeZones);
  const secrets = () => c.resolve<Secrets>(TOKENS.Secrets);
  wireOutbox(c, handle, options);
  const webhooks = () => c.resolve<WebhookRepository>(OUTBOX_TOKENS.Webhooks);

  return {
    ...createCalendarUseCases({
      uow: uow(),
      store: store(),
      clock: clock(),
      zones: zones(),
      secrets: secrets(),
      idempotency: c.resolve<IdempotentExecution>(TOKENS.Idempotency),
      keyRevocations: handle.keyRevocations,
    }),
    createWebhook: new CreateWebhook(webhooks(), c.resolve<WebhookUrlPolicy>(OUTBOX_TOKENS.WebhookUrlPolicy), clock(), secrets()),
    listWebhooks: new ListWebhooks(webhooks()),
    getWebhook: new GetWebhook(webhooks()),
    deleteWebhook: new DeleteWebhook(webhooks(), clock()),
    listWebhookDeliveries: new ListWebhookDeliveries(webhooks(), c.resolve<Outbox>(OUTBOX_TOKENS.Outbox)),
  };
}

/** Opens the database, brings its schema up to date and wires every use case. */
export async function createService(options: ServiceOptions): Promise<BookingService> {
  const handle = openDatabase(options.databaseUrl, { poolSize: options.poolSize, backgroundCheckpoints: options.backgroundCheckpoints });
  try {
    if (options.migrate !== false) await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const c = rootContainer.createChildContainer();
  const useCases = wire(c, handle, options);
  const dispatcher = c.resolve<Dispatcher>(OUTBOX_TOKENS.Dispatcher);
  return {
    useCases,
    database: handle,
    zones: c.resolve<TimeZones>(TOKENS.TimeZones),
    clock: c.resolve<Clock>(TOKENS.Clock),
    isReady: async () => {
      await handle.db.selectFrom('providers').select('id').limit(1).execute();
      return true;
    },
    dispatcher,
    outboxStats: () => c.resolve<Outbox>(OUTBOX_TOKENS.Outbox).stats(),
    purgeExpiredIdempotencyKeys: () => c.resolve<IdempotentExecution>(TOKENS.Idempotency).purgeExpired(),
    close: async () => {
      await dispatcher.stop();
      const mailer = c.resolve<Mailer>(OUTBOX_TOKENS.Mailer);
      if (mailer instanceof SmtpMailer) mailer.close();
      await handle.close();
    },
  };
}

/** How often expired idempotency records are deleted. */
const HOUSEKEEPING_INTERVAL_MS = 3_600_000;

export interface RunningServer {
  app: FastifyInstance;
  service: BookingService;
  url: string;
  close(): Promise<void>;
}

/** The HTTP adapter over a service, configured as in production; `inject` it or `listen`. */
export async function createHttpApp(
  service: BookingService,
  config: AppConfig,
  options: {
    logger?: boolean;
    logStream?: NodeJS.WritableStream;
    http?: Pick<HttpAppOptions, 'metrics' | 'outboxStats'>;
    /** Keeps Redis rate-limit counters apart from other deployments sharing the Redis. */
    rateLimitNamespace?: string;
  } = {},
): Promise<FastifyInstance> {
  return buildApp({
    useCases: service.useCases,
    zones: service.zones,
    checkReady: service.isReady,
    logger:
      options.logger === false
        ? false
        : loggerOptions({ level: config.LOG_LEVEL, destination: options.logStream, pretty: process.env.NODE_ENV === 'development' }),
    poolStats: () => service.database.poolStats(),
    outboxStats: () => service.outboxStats(),
    ...options.http,
    security: {
      authenticate: (secret) => service.useCases.authenticate.execute({ secret }),
      rateLimit: {
        max: config.RATE_LIMIT_MAX,
        windowMs: config.RATE_LIMIT_WINDOW_MS,
        redisUrl: config.REDIS_URL,
        namespace: options.rateLimitNamespace,
      },
    },
  });
}

/**
 * On a store without any key, makes the first admin key from BOOTSTRAP_ADMIN_KEY, or generates one and returns
 * it so the caller can print it once.
 */
export function bootstrapAdminKey(service: BookingService, config: AppConfig): Promise<string | null> {
  return service.useCases.ensureBootstrapKey.execute({ bootstrapSecret: config.BOOTSTRAP_ADMIN_KEY });
}

/** The outbox settings of a configuration: webhook target checks, SMTP, logging. */
export function outboxOptions(config: AppConfig): Pick<ServiceOptions, 'allowPrivateWebhookUrls' | 'smtpUrl' | 'mailFrom' | 'logger'> {
  return {
    allowPrivateWebhookUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    logger: jsonLogger(config.LOG_LEVEL),
  };
}

/** Builds the service and its HTTP adapter and listens; `close` finishes in-flight requests, then the pool. */
export async function startServer(config: AppConfig, options: { clock?: Clock; logger?: boolean } = {}): Promise<RunningServer> {
  const service = await createService({
    databaseUrl: config.DATABASE_URL,
    clock: options.clock,
    idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
    backgroundCheckpoints: true,
    ...outboxOptions(config),
  });
  let app: FastifyInstance;
  try {
    const generated = await bootstrapAdminKey(service, config);
    if (generated) {
      process.stdout.write(
        `\nNo API key existed, so an admin key was generated. It is shown only this once; keep it safe:\n\n  ${generated}\n\n` +
          `Use it as: curl -H "Authorization: Bearer ${generated}" http://${config.HOST}:${config.PORT}/api/v1/providers\n\n`,
      );
    }
    app = await createHttpApp(service, config, options);
    await app.listen({ port: config.PORT, host: config.HOST });
    service.dispatcher.start();
  } catch (error) {
    await service.close();
    throw error;
  }
  const housekeeping = setInterval(() => {
    service.purgeExpiredIdempotencyKeys().catch((error: unknown) => app.log.warn({ err: error }, 'idempotency purge failed'));
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return {
    app,
    service,
    url: `http://${host}:${port}`,
    close: async () => {
      clearInterval(housekeeping);
      await app.close();
      await service.close();
    },
  };
}

export async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
  const heapGrowth = applyHeapGrowth(config.HEAP_GROWING_PERCENT);
  const young = limitYoungGeneration(config.YOUNG_GENERATION_MB);
  const youngGeneration = { limitMb: young.limitMb, source: young.source };
  const server = await startServer(config).catch((error: unknown) => {
    console.error(`Start failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  server.app.log.info({ database: server.service.database.describe, url: server.url, heapGrowth, youngGeneration }, 'booking service ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    await server.close();
    young.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) void main();
