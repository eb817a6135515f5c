import { FastifyInstance } from 'fastify';
import { AppConfig, loadConfig } from '../../src/adapters/config/config';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { bootstrapAdminKey, createHttpApp, outboxOptions } from '../../src/http-server';
import { BookingService, createService, ServiceOptions } from '../../src/service';
import { DialectName, freshDatabaseUrl } from './databases';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
/** The default test "now": well before the dates tests book (2027-...). */
export const TEST_NOW = '2027-01-04T08:00:00Z';

export interface TestApp {
  app: FastifyInstance;
  service: BookingService;
  clock: FixedClock;
  config: AppConfig;
  databaseUrl: string;
  adminKey: string;
  /** Headers for a JSON request as `key` (the admin key by default). */
  headers(key?: string): Record<string, string>;
  close(): Promise<void>;
}

export async function testConfig(overrides: Record<string, string> = {}): Promise<AppConfig> {
  return loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY, RATE_LIMIT_MAX: '100000', ...overrides });
}

export interface TestAppOptions {
  dialect: DialectName;
  now?: string;
  /** A clock to share with other instances (overrides `now`). */
  clock?: FixedClock;
  /** An existing database instead of a fresh one. */
  databaseUrl?: string;
  env?: Record<string, string>;
  service?: Partial<ServiceOptions>;
}

/**
 * A service on a fresh database with its HTTP adapter, not listening: use `app.inject`. The service gets the
 * configuration's outbox settings, as `startServer` gives them, with a silent log.
 */
export async function createTestApp(options: TestAppOptions): Promise<TestApp> {
  const clock = options.clock ?? new FixedClock(Date.parse(options.now ?? TEST_NOW));
  const databaseUrl = options.databaseUrl ?? (await freshDatabaseUrl(options.dialect));
  const config = await testConfig({ DATABASE_URL: databaseUrl, ...options.env });
  const service = await createService({
    databaseUrl,
    clock,
    ...outboxOptions(config),
    ...options.service,
  });
  await bootstrapAdminKey(service, config);
  const app = await createHttpApp(service, config, { logger: false });
  await app.ready();
  return {
    app,
    service,
    clock,
    config,
    databaseUrl,
    adminKey: TEST_ADMIN_KEY,
    headers: (key = TEST_ADMIN_KEY) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' }),
    close: async () => {
      await app.close();
      await service.close();
    },
  };
}

/** JSON calls with the test admin key to a server listening at `baseUrl`: status and parsed body. */
export function adminCalls(baseUrl: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
}
