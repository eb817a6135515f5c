/**
 * The HTTP server over the service: the Fastify app configured as in production, listening, and the housekeeping
 * a running server does (outbox delivery, expiry of idempotency records).
 */
import { FastifyInstance } from 'fastify';
import { Clock } from './application/ports/clock';
import { SYSTEM_ACTOR } from './domain/actor';
import { AppConfig, loadConfig } from './adapters/config/config';
import { buildApp, HttpAppOptions } from './adapters/http/app';
import { loggerOptions } from './adapters/http/logging';
import { jsonLogger } from './adapters/system/json-logger';
import { BookingService, createService, ServiceOptions } from './service';

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
    holdStats: () => service.holdStats(),
    ...options.http,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    security: {
      authenticate: (secret) => service.useCases.authenticate.execute({ secret }),
      identifyCustomer: (bookingId, token) => service.useCases.identifyCustomer.execute({ bookingId, token }),
      // Only sorts a feed request into its rate-limit bucket; the feed itself checks the token again.
      calendarTokenOf: (id) =>
        service.useCases.getProvider.execute({ actor: SYSTEM_ACTOR, id }).then(
          (provider) => provider.calendarToken,
          () => null,
        ),
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
export function outboxOptions(config: AppConfig): Pick<ServiceOptions, 'allowPrivateWebhookUrls' | 'smtpUrl' | 'mailFrom' | 'publicUrl' | 'logger'> {
  return {
    allowPrivateWebhookUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    publicUrl: config.PUBLIC_URL,
    logger: jsonLogger(config.LOG_LEVEL),
  };
}

/**
 * Builds the service and its HTTP adapter and listens; `close` finishes in-flight requests while the dispatcher
 * stops (within half of SHUTDOWN_TIMEOUT_MS), then closes the pool.
 */
export async function startServer(config: AppConfig, options: { clock?: Clock; logger?: boolean } = {}): Promise<RunningServer> {
  const service = await createService({
    databaseUrl: config.DATABASE_URL,
    clock: options.clock,
    idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
    backgroundCheckpoints: true,
    ...outboxOptions(config),
    dispatcher: {
      // Half the shutdown deadline for sends in flight; the rest is for requests in flight and the pool.
      stopTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2),
      mailLimit: { perRecipient: config.MAIL_PER_RECIPIENT_PER_HOUR, windowMs: 3_600_000 },
    },
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
      // Delivery stops at once, beside the requests draining: sends in flight get their share of the deadline.
      await Promise.all([app.close(), service.dispatcher.stop()]);
      await service.close();
    },
  };
}

/**
 * The OpenAPI document the HTTP adapter serves at /openapi.json, built on a throwaway in-memory database (the
 * document depends on the routes only, not on data or settings), as JSON text with a final newline.
 */
export async function openApiDocumentText(): Promise<string> {
  const databaseUrl = 'sqlite::memory:';
  const config = await loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl });
  const service = await createService({ databaseUrl });
  try {
    const app = await createHttpApp(service, config, { logger: false });
    try {
      await app.ready();
      return `${JSON.stringify(app.swagger(), null, 2)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    await service.close();
  }
}
