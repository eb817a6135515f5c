/**
 * The composition root: the one place that chooses adapters and registers them, by token, in a tsyringe container.
 * It reads top-down: the token table, what can be overridden, then one registration per token. Nothing here runs
 * anything; `service.ts` resolves what it offers, `http-server.ts` serves it.
 */
import type { DependencyContainer } from 'tsyringe';
import { IdempotentExecution } from './application/idempotency';
import { Dispatcher, DispatcherOptions } from './application/dispatcher';
import { Clock } from './application/ports/clock';
import { KeyRevocations } from './application/ports/key-revocations';
import { Logger } from './application/ports/logger';
import { Mailer } from './application/ports/mailer';
import { Outbox } from './application/ports/outbox';
import { ManageLinks } from './application/ports/manage-links';
import { ManageTokens } from './application/ports/manage-tokens';
import { Secrets } from './application/ports/secrets';
import { Repositories, UnitOfWork } from './application/ports/unit-of-work';
import { WebhookRepository } from './application/ports/webhook-repository';
import { WebhookSender } from './application/ports/webhook-sender';
import { WebhookUrlPolicy } from './application/ports/webhook-url-policy';
import { createUseCases, UseCases } from './application/use-cases';
import { TimeZones } from './domain/time-zones';
import { LogMailer } from './adapters/mail/log-mailer';
import { SmtpMailer } from './adapters/mail/smtp-mailer';
import { DatabaseHandle } from './adapters/persistence/database';
import { KyselyOutbox } from './adapters/persistence/kysely-outbox';
import { KyselyUnitOfWork, kyselyRepositories } from './adapters/persistence/kysely-unit-of-work';
import { KyselyWebhookRepository } from './adapters/persistence/kysely-webhook-repository';
import { PostgresKeyRevocations } from './adapters/persistence/postgres-key-revocations';
import { SqliteCheckpointer } from './adapters/persistence/sqlite-checkpointer';
import { SqliteKeyRevocations } from './adapters/persistence/sqlite-key-revocations';
import { PublicManageLinks } from './adapters/http/manage-links';
import { HmacManageTokens } from './adapters/system/hmac-manage-tokens';
import { NodeCryptoSecrets } from './adapters/system/node-crypto-secrets';
import { SystemClock } from './adapters/system/system-clock';
import { LuxonTimeZones } from './adapters/time/luxon-time-zones';
import { DnsWebhookUrlPolicy } from './adapters/webhooks/dns-webhook-url-policy';
import { FetchWebhookSender } from './adapters/webhooks/fetch-webhook-sender';

/** Every injection token. */
export const TOKENS = {
  Database: Symbol('Database'),
  Clock: Symbol('Clock'),
  TimeZones: Symbol('TimeZones'),
  Secrets: Symbol('Secrets'),
  ManageTokens: Symbol('ManageTokens'),
  ManageLinks: Symbol('ManageLinks'),
  Logger: Symbol('Logger'),
  UnitOfWork: Symbol('UnitOfWork'),
  Repositories: Symbol('Repositories'),
  Idempotency: Symbol('Idempotency'),
  KeyRevocations: Symbol('KeyRevocations'),
  Outbox: Symbol('Outbox'),
  Webhooks: Symbol('Webhooks'),
  WebhookUrlPolicy: Symbol('WebhookUrlPolicy'),
  WebhookSender: Symbol('WebhookSender'),
  Mailer: Symbol('Mailer'),
  Dispatcher: Symbol('Dispatcher'),
  Checkpointer: Symbol('Checkpointer'),
  UseCases: Symbol('UseCases'),
} as const;

/** Adapters a caller may put in place of the ones chosen here (tests, simulations, embedding applications). */
export interface Overrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  webhookSender?: WebhookSender;
}

/** What the choices depend on. */
export interface CompositionSettings {
  idempotencyTtlHours?: number;
  /** SQLite files: checkpoint the write-ahead log on a worker thread instead of inside commits. */
  backgroundCheckpoints?: boolean;
  allowPrivateWebhookUrls?: boolean;
  smtpUrl?: string;
  mailFrom?: string;
  dispatcher?: DispatcherOptions;
  /** The key manage tokens are derived from (`service_keys`, read by `createService`). */
  manageTokenKey: Buffer;
  /** PUBLIC_URL: customers' emails link to their manage page under it; unset, they carry no link. */
  publicUrl?: string;
}

const DEFAULT_MAIL_FROM = 'Booking service <bookings@localhost>';

/**
 * tsyringe refuses to load without a Reflect metadata polyfill, which only its decorators use: registering
 * factories and resolving tokens never read metadata. It gets a stand-in for the moment of loading, which is then
 * taken back, so that using this package changes nothing global.
 */
function loadTsyringe(): typeof import('tsyringe') {
  const reflect = Reflect as { getMetadata?: unknown };
  const lent = typeof reflect.getMetadata !== 'function';
  if (lent) reflect.getMetadata = () => undefined;
  try {
    return require('tsyringe') as typeof import('tsyringe');
  } finally {
    if (lent) delete reflect.getMetadata;
  }
}

/** A container holding the whole service over an open database. */
export function compose(handle: DatabaseHandle, settings: CompositionSettings, overrides: Overrides = {}): DependencyContainer {
  const { container, instanceCachingFactory } = loadTsyringe();
  const c = container.createChildContainer();
  const single = <T>(token: symbol, factory: (r: DependencyContainer) => T) =>
    c.register(token, { useFactory: instanceCachingFactory(factory) });
  const get = <T>(r: DependencyContainer, token: symbol) => r.resolve<T>(token);

  c.register(TOKENS.Database, { useValue: handle });
  c.register(TOKENS.Clock, { useValue: overrides.clock ?? new SystemClock() });
  c.register(TOKENS.TimeZones, { useValue: new LuxonTimeZones() });
  c.register(TOKENS.Secrets, { useValue: new NodeCryptoSecrets() });
  c.register(TOKENS.ManageTokens, { useValue: new HmacManageTokens(settings.manageTokenKey) });
  c.register(TOKENS.Logger, { useValue: overrides.logger ?? silentLogger });

  single(TOKENS.UnitOfWork, () => new KyselyUnitOfWork(handle.db, handle.capabilities));
  single(TOKENS.Repositories, () => kyselyRepositories(handle.db, handle.capabilities));
  single(
    TOKENS.Idempotency,
    (r) =>
      new IdempotentExecution(get<Repositories>(r, TOKENS.Repositories).idempotency, get<Clock>(r, TOKENS.Clock), {
        ttlMs: (settings.idempotencyTtlHours ?? 24) * 3_600_000,
        waitMs: 10_000,
        staleAfterMs: 60_000,
      }),
  );
  single(TOKENS.KeyRevocations, (r): KeyRevocations =>
    handle.driver.dialect === 'postgres'
      ? new PostgresKeyRevocations(handle.driver.connectionString, get<Logger>(r, TOKENS.Logger))
      : new SqliteKeyRevocations(handle.driver.sqlite),
  );
  single(TOKENS.Checkpointer, (r) =>
    settings.backgroundCheckpoints && handle.driver.dialect === 'sqlite' && handle.driver.path !== ':memory:'
      ? new SqliteCheckpointer(handle.driver.sqlite, get<Logger>(r, TOKENS.Logger))
      : null,
  );

  single(TOKENS.Outbox, () => new KyselyOutbox(handle.db, handle.capabilities));
  single(TOKENS.Webhooks, () => new KyselyWebhookRepository(handle.db, handle.capabilities));
  single(TOKENS.WebhookUrlPolicy, () => new DnsWebhookUrlPolicy(settings.allowPrivateWebhookUrls ?? false));
  single(
    TOKENS.WebhookSender,
    (r) => overrides.webhookSender ?? new FetchWebhookSender(get<WebhookUrlPolicy>(r, TOKENS.WebhookUrlPolicy), get<Clock>(r, TOKENS.Clock)),
  );
  single(TOKENS.Mailer, (r): Mailer => {
    const from = settings.mailFrom ?? DEFAULT_MAIL_FROM;
    if (overrides.mailer) return overrides.mailer;
    return settings.smtpUrl ? new SmtpMailer(settings.smtpUrl, from) : new LogMailer(get<Logger>(r, TOKENS.Logger), from);
  });
  single(TOKENS.ManageLinks, (r) => new PublicManageLinks(settings.publicUrl, get<ManageTokens>(r, TOKENS.ManageTokens)));
  single(
    TOKENS.Dispatcher,
    (r) =>
      new Dispatcher(
        get<Outbox>(r, TOKENS.Outbox),
        get<WebhookRepository>(r, TOKENS.Webhooks),
        get<Repositories>(r, TOKENS.Repositories).providers,
        get<Repositories>(r, TOKENS.Repositories).bookings,
        get<WebhookSender>(r, TOKENS.WebhookSender),
        get<Mailer>(r, TOKENS.Mailer),
        get<ManageLinks>(r, TOKENS.ManageLinks),
        get<Clock>(r, TOKENS.Clock),
        get<Logger>(r, TOKENS.Logger),
        settings.dispatcher,
      ),
  );

  single(TOKENS.UseCases, (r): UseCases =>
    createUseCases({
      uow: get<UnitOfWork>(r, TOKENS.UnitOfWork),
      store: get<Repositories>(r, TOKENS.Repositories),
      clock: get<Clock>(r, TOKENS.Clock),
      zones: get<TimeZones>(r, TOKENS.TimeZones),
      secrets: get<Secrets>(r, TOKENS.Secrets),
      manageTokens: get<ManageTokens>(r, TOKENS.ManageTokens),
      idempotency: get<IdempotentExecution>(r, TOKENS.Idempotency),
      keyRevocations: get<KeyRevocations>(r, TOKENS.KeyRevocations),
      webhooks: get<WebhookRepository>(r, TOKENS.Webhooks),
      webhookUrlPolicy: get<WebhookUrlPolicy>(r, TOKENS.WebhookUrlPolicy),
      outbox: get<Outbox>(r, TOKENS.Outbox),
    }),
  );
  return c;
}

/** The logger when none is given: library use prints nothing unless asked to. */
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
