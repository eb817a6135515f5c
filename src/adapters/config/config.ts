import fastifyEnv from '@fastify/env';
import Fastify from 'fastify';

/** The service configuration, from API.md's Configuration table. */
export interface AppConfig {
  PORT: number;
  HOST: string;
  DATABASE_URL: string;
  LOG_LEVEL: string;
  RATE_LIMIT_MAX: number;
  RATE_LIMIT_WINDOW_MS: number;
  REDIS_URL?: string;
  SMTP_URL?: string;
  MAIL_FROM: string;
  BOOTSTRAP_ADMIN_KEY?: string;
  WEBHOOK_ALLOW_PRIVATE_URLS: boolean;
  IDEMPOTENCY_TTL_HOURS: number;
  REQUEST_TIMEOUT_MS: number;
  /** How long SIGTERM may take: in-flight requests and sends get this long, then the process exits regardless. */
  SHUTDOWN_TIMEOUT_MS: number;
  /** Emails to one customer address per rolling hour; more are not sent. */
  MAIL_PER_RECIPIENT_PER_HOUR: number;
  /** The service's address as customers reach it, without a trailing slash; links in customers' emails. */
  PUBLIC_URL?: string;
}

export const CONFIG_SCHEMA = {
  type: 'object',
  required: [],
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    DATABASE_URL: {
      type: 'string',
      pattern: '^(postgres(ql)?://.+|sqlite:.+)$',
      default: 'sqlite:./data/booking.db',
    },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    RATE_LIMIT_MAX: { type: 'integer', minimum: 1, default: 600 },
    RATE_LIMIT_WINDOW_MS: { type: 'integer', minimum: 1000, default: 60000 },
    REDIS_URL: { type: 'string', pattern: '^rediss?://.+' },
    SMTP_URL: { type: 'string', pattern: '^smtps?://.+' },
    MAIL_FROM: { type: 'string', minLength: 3, default: 'Booking service <bookings@localhost>' },
    BOOTSTRAP_ADMIN_KEY: { type: 'string', minLength: 16, maxLength: 256 },
    WEBHOOK_ALLOW_PRIVATE_URLS: { type: 'boolean', default: false },
    IDEMPOTENCY_TTL_HOURS: { type: 'integer', minimum: 24, maximum: 8760, default: 24 },
    REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 600000, default: 10000 },
    MAIL_PER_RECIPIENT_PER_HOUR: { type: 'integer', minimum: 1, maximum: 100000, default: 10 },
    PUBLIC_URL: { type: 'string', pattern: '^https?://[^/?#@\\s]+(/[^?#\\s]*)?$', maxLength: 2000 },
  },
} as const;

export class ConfigError extends Error {}

/** PUBLIC_URL as links start with it: an absolute http(s) URL with a host, without trailing slashes. */
function publicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('PUBLIC_URL must be an absolute http:// or https:// URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.search || url.hash || url.username || url.password) {
    throw new Error('PUBLIC_URL must be an absolute http:// or https:// URL without query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * Reads and validates configuration with @fastify/env from `source` (process.env by default; tests pass their
 * own). Empty strings count as unset. Throws ConfigError naming every bad variable.
 */
export async function loadConfig(source: Record<string, string | undefined> = process.env): Promise<AppConfig> {
  const data: Record<string, string> = {};
  for (const key of Object.keys(CONFIG_SCHEMA.properties)) {
    const value = source[key];
    if (value !== undefined && value !== '') data[key] = value;
  }
  const probe = Fastify({ logger: false });
  try {
    await probe.register(fastifyEnv, { schema: CONFIG_SCHEMA, data, env: false, dotenv: false, confKey: 'config' });
    await probe.ready();
    const config = { ...(probe as unknown as { config: AppConfig }).config };
    if (config.PUBLIC_URL !== undefined) config.PUBLIC_URL = publicUrl(config.PUBLIC_URL);
    return config;
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await probe.close();
  }
}
