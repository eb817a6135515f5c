#!/usr/bin/env node
/** The command line, and the start of every process it runs: `serve`, `migrate`, `keys`, `outbox`. */
import { writeFileSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { Command } from 'commander';
import { AppConfig, CONFIG_SCHEMA, ConfigError, loadConfig } from './adapters/config/config';
import { BookingService, createService } from './service';
import { openApiDocumentText, startServer } from './http-server';
import { Role, SYSTEM_ACTOR } from './domain/actor';
import { openDatabase } from './adapters/persistence/database';
import { KyselyOutbox } from './adapters/persistence/kysely-outbox';
import { migrateDown, migrateToLatest, migrationStatus } from './adapters/persistence/migrator';

async function withDatabase<T>(work: (handle: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const config = await loadConfig();
  const handle = openDatabase(config.DATABASE_URL);
  try {
    return await work(handle);
  } finally {
    await handle.close();
  }
}

async function withService<T>(work: (service: BookingService) => Promise<T>): Promise<T> {
  const config = await loadConfig();
  const service = await createService({ databaseUrl: config.DATABASE_URL });
  try {
    return await work(service);
  } finally {
    await service.close();
  }
}

function fail(error: unknown): never {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

/**
 * The server process: configuration from the environment, listen, and on SIGTERM or SIGINT (or an error nothing
 * caught) a clean stop that ends within SHUTDOWN_TIMEOUT_MS: past it the process exits with code 1 regardless.
 */
export async function serve(): Promise<void> {
  let config: AppConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
  const server = await startServer(config).catch((error: unknown) => {
    console.error(`Start failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  const log = server.app.log;
  log.info({ database: server.service.database.describe, url: server.url }, 'booking service ready');
  closeWithGrace(
    {
      delay: config.SHUTDOWN_TIMEOUT_MS,
      logger: { error: (message: unknown) => log.error(message) },
      onTimeout: (delay) => log.error({ shutdown_timeout_ms: delay }, 'shutdown deadline passed: exiting with work unfinished'),
      onSecondSignal: (signal) => log.error({ signal }, 'second signal while shutting down: exiting at once'),
    },
    async ({ signal, err }) => {
      if (err) log.error({ err }, 'uncaught error: shutting down');
      else log.info({ signal, shutdown_timeout_ms: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: finishing in-flight requests');
      await server.close();
    },
  );
}

export function buildCli(): Command {
  const program = new Command('booking-service').description('Booking service: HTTP API, migrations and maintenance on DATABASE_URL');

  program
    .command('serve')
    .description('Start the HTTP API (configuration from the environment)')
    .addHelpText(
      'after',
      `\nEnvironment: ${Object.keys(CONFIG_SCHEMA.properties).join(', ')}.\nMigrations run at start; SIGTERM finishes in-flight requests and sends, then exits (within SHUTDOWN_TIMEOUT_MS).`,
    )
    .action(serve);

  const migrate = program.command('migrate').description('Database schema migrations');
  migrate
    .command('up')
    .description('Apply every pending migration')
    .action(() =>
      withDatabase(async ({ db, describe }) => {
        const results = await migrateToLatest(db);
        console.log(results.length ? results.map((r) => `applied ${r.migrationName}`).join('\n') : `${describe}: already up to date`);
      }).catch(fail),
    );
  migrate
    .command('down')
    .description('Undo the latest migration')
    .action(() =>
      withDatabase(async ({ db }) => {
        const results = await migrateDown(db);
        console.log(results.length ? results.map((r) => `reverted ${r.migrationName}`).join('\n') : 'nothing to revert');
      }).catch(fail),
    );
  migrate
    .command('status')
    .description('List migrations and when each was applied')
    .action(() =>
      withDatabase(async ({ db }) => {
        for (const m of await migrationStatus(db)) console.log(`${m.executedAt ? m.executedAt.toISOString() : 'pending                 '}  ${m.name}`);
      }).catch(fail),
    );
  const keys = program.command('keys').description('API keys, offline on the configured database');
  keys
    .command('create')
    .description('Issue a key and print its secret (shown only this once)')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--role <role>', 'admin or client', 'client')
    .option('--expires-at <instant>', 'ISO 8601 instant after which the key stops working')
    .action((opts: { name: string; role: string; expiresAt?: string }) =>
      withService(async (service) => {
        const expiresAt = opts.expiresAt === undefined ? null : Date.parse(opts.expiresAt);
        if (Number.isNaN(expiresAt)) throw new Error('--expires-at must be an ISO 8601 instant');
        const issued = await service.useCases.createApiKey.execute({
          actor: SYSTEM_ACTOR,
          name: opts.name,
          role: opts.role as Role,
          expiresAt,
        });
        console.log(`id:     ${issued.apiKey.id}\nrole:   ${issued.apiKey.role}\nkey:    ${issued.secret}\n(shown only this once)`);
      }).catch(fail),
    );
  keys
    .command('list')
    .description('List keys (never their secrets)')
    .action(() =>
      withService(async (service) => {
        const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
        console.log(['id', 'role', 'name', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'].join('\t'));
        for (const k of await service.useCases.listApiKeys.execute({ actor: SYSTEM_ACTOR })) {
          console.log([k.id, k.role, k.name, iso(k.createdAt), iso(k.expiresAt), iso(k.lastUsedAt), iso(k.revokedAt)].join('\t'));
        }
      }).catch(fail),
    );
  keys
    .command('revoke')
    .description('Revoke a key by id (the last active admin key cannot be revoked)')
    .argument('<id>', 'key id')
    .action((id: string) =>
      withService(async (service) => {
        if (!/^\d+$/.test(id)) throw new Error('id must be a positive integer');
        await service.useCases.revokeApiKey.execute({ actor: SYSTEM_ACTOR, id: Number(id) });
        console.log(`revoked key ${id}`);
      }).catch(fail),
    );

  const outbox = program.command('outbox').description('Webhook and email delivery (the transactional outbox)');
  outbox
    .command('status')
    .description('Show the delivery backlog: pending (retries included), retrying, failed for good, and discarded (not sent on purpose) by reason')
    .option('--json', 'print JSON instead of text')
    .action((opts: { json?: boolean }) =>
      withService(async (service) => {
        const stats = await service.outboxStats();
        const discarded = await new KyselyOutbox(service.database.db, service.database.capabilities).discarded();
        const total = discarded.reduce((sum, d) => sum + d.count, 0);
        if (opts.json) {
          console.log(JSON.stringify({ ...stats, discarded: total, discarded_by_reason: discarded }));
          return;
        }
        for (const [state, count] of Object.entries({ ...stats, discarded: total })) console.log(`${state.padEnd(10)} ${count}`);
        for (const d of discarded) console.log(`  ${String(d.count).padStart(6)}  ${d.channel.padEnd(7)}  ${d.reason}`);
      }).catch(fail),
    );

  program
    .command('openapi')
    .description('Print the OpenAPI document the server serves at /openapi.json (or write it to a file)')
    .option('--out <file>', 'write it to this file instead')
    .action((opts: { out?: string }) =>
      openApiDocumentText()
        .then((text) => {
          if (opts.out) writeFileSync(opts.out, text);
          else process.stdout.write(text);
        })
        .catch(fail),
    );

  return program;
}

if (require.main === module) {
  buildCli().parseAsync(process.argv).catch(fail);
}
