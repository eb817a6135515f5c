import { isIP } from 'node:net';
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
  /**
   * Whose `X-Forwarded-For` to believe for the client's address (Fastify `trustProxy`): `true` (any), a number of
   * proxy hops, or the proxies' addresses and CIDR ranges. `false` when unset: the socket's peer is the client.
   */
  TRUST_PROXY: boolean | number | string[];
  /** Origins allowed to call the API from a browser (exact `scheme://host[:port]`); empty when unset: no CORS. */
  CORS_ORIGINS: string[];
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
    // Parsed and checked below: `true`, a hop count, or comma-separated addresses and CIDR ranges.
    TRUST_PROXY: { type: 'string', minLength: 1, maxLength: 4096 },
    // Parsed and checked below: comma-separated origins.
    CORS_ORIGINS: { type: 'string', minLength: 1, maxLength: 8192 },
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

/** TRUST_PROXY as Fastify's `trustProxy`; throws ConfigError for anything but `true`/`false`, a hop count or addresses. */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'false') return false;
  const text = value.trim();
  if (text.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 100) throw new ConfigError('Invalid configuration: TRUST_PROXY as a hop count must be 1 to 100');
    return hops;
  }
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        `Invalid configuration: TRUST_PROXY must be true, a hop count, or comma-separated IP addresses and CIDR ranges (e.g. 10.0.0.0/8,::1); "${entry}" is none of these`,
      );
    }
  }
  return entries;
}

/** CORS_ORIGINS as a list of exact origins; throws ConfigError for an entry that is not `http(s)://host[:port]`. */
export function parseCorsOrigins(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  const origins = value.split(',').map((e) => e.trim());
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
      throw new ConfigError(
        `Invalid configuration: CORS_ORIGINS must be comma-separated origins such as https://app.example.com (scheme, host and port only, no path or trailing slash); "${origin}" is not one`,
      );
    }
  }
  return [...new Set(origins)];
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
    const raw = (probe as unknown as { config: Omit<AppConfig, 'TRUST_PROXY' | 'CORS_ORIGINS'> & { TRUST_PROXY?: string; CORS_ORIGINS?: string } }).config;
    const config: AppConfig = { ...raw, TRUST_PROXY: parseTrustProxy(raw.TRUST_PROXY), CORS_ORIGINS: parseCorsOrigins(raw.CORS_ORIGINS) };
    if (config.PUBLIC_URL !== undefined) config.PUBLIC_URL = publicUrl(config.PUBLIC_URL);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Invalid configuration: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await probe.close();
  }
}
