import { createHash, timingSafeEqual } from 'node:crypto';
import fastifyRateLimit, { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type Redis from 'ioredis';
import { Actor } from '../../domain/actor';
import { BookingNotFoundError, ForbiddenError, UnauthenticatedError } from '../../domain/errors';
import { HttpError } from './errors';
import './request-context';

export interface SecurityOptions {
  /** Resolves a presented API key secret to its caller; throws UnauthenticatedError. */
  authenticate(secret: string | undefined): Promise<Actor>;
  /**
   * The customer of a booking, proved by its manage token (routes configured `customerToken`); throws
   * BookingNotFoundError for any other token.
   */
  identifyCustomer?(bookingId: number, token: string): Promise<Actor>;
  /** The calendar token of a provider, or null when there is no such provider (a feed's own rate-limit bucket). */
  calendarTokenOf?(providerId: number): Promise<string | null>;
  rateLimit: {
    max: number;
    windowMs: number;
    /** Shares counters between instances when set. */
    redisUrl?: string;
    /** Prefix of the Redis counters (default `booking-rl:`), to keep deployments sharing a Redis apart. */
    namespace?: string;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the credentials presented open nothing: a bad API key (401) or a manage token that is not the booking's (404). */
    authFailure?: UnauthenticatedError | BookingNotFoundError;
  }
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const CALENDAR_FEED_ROUTE = '/api/v1/providers/:id/calendar.ics';
const MANAGE_PAGE_ROUTE = '/manage/:id';

type StoreCallback = Parameters<FastifyRateLimitStore['incr']>[1];
// The plugin's own stores, which its typings do not export.
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as new (continueExceeding: boolean, exponentialBackoff: boolean) => FastifyRateLimitStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  namespace: string,
) => FastifyRateLimitStore;

/**
 * Counters in Redis while it answers, in this process while it does not: an unreachable Redis must not lift the
 * limit altogether. Commands fail at once while Redis is disconnected (no offline queue).
 */
function redisWithLocalFallback(redis: Redis, namespace: string, onFallback: (error: Error) => void): FastifyRateLimitStoreCtor {
  return class RedisWithLocalFallback implements FastifyRateLimitStore {
    private readonly local: FastifyRateLimitStore;
    private readonly remote: FastifyRateLimitStore;
    // Plain fixed windows, as the plugin's defaults (neither continueExceeding nor exponentialBackoff is used).
    constructor() {
      this.local = new LocalStore(false, false);
      this.remote = new RedisStore(false, false, redis, namespace);
    }
    incr(key: string, callback: StoreCallback, timeWindow: number, max: number): void {
      if (redis.status !== 'ready') return this.local.incr(key, callback, timeWindow, max);
      this.remote.incr(
        key,
        (error, result) => {
          if (!error) return callback(null, result);
          onFallback(error);
          this.local.incr(key, callback, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Routes of the API proper: everything under /api/. Operations endpoints and unknown routes are left alone. */
function isApiRoute(request: FastifyRequest): boolean {
  const url = request.routeOptions.url;
  return url !== undefined && url.startsWith('/api/');
}

/**
 * Authentication, per-key rate limits and security headers. Order per request: resolve the caller (onRequest),
 * count it against its key's budget or its address's (route onRequest), then refuse unauthenticated (401) and
 * under-privileged (403) callers before the body is read (preParsing).
 */
export async function registerSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  app.decorateRequest('authFailure', undefined);

  app.addHook('onRequest', async (request) => {
    if (!isApiRoute(request)) return;
    const header = request.headers.authorization;
    // `Authorization` decides when it is sent; without it, a booking's customer may present its manage token.
    if (header === undefined && request.routeOptions.config.customerToken && options.identifyCustomer) {
      const token = (request.query as Record<string, unknown>).token;
      if (typeof token === 'string' && token !== '') return identifyCustomer(request, token, options.identifyCustomer);
    }
    if (header === undefined && request.routeOptions.config.public) return;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    try {
      request.actor = await options.authenticate(match?.[1]);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      request.authFailure = error;
    }
  });

  const redis = options.rateLimit.redisUrl
    ? new (require('ioredis') as typeof import('ioredis')).default(options.rateLimit.redisUrl, {
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        commandTimeout: 1000,
        enableOfflineQueue: false,
        lazyConnect: false,
      })
    : undefined;
  let store: FastifyRateLimitStoreCtor | undefined;
  if (redis) {
    let degraded = false;
    const fallBack = (error: Error) => {
      if (degraded) return;
      degraded = true;
      app.log.warn({ err: error }, 'Redis does not answer: rate limits count in this instance until it does');
    };
    redis.on('error', fallBack);
    redis.on('ready', () => {
      if (degraded) app.log.info('Redis answers again: rate limits are shared again');
      degraded = false;
    });
    store = redisWithLocalFallback(redis, options.rateLimit.namespace ?? 'booking-rl:', fallBack);
    app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  }

  await app.register(fastifyRateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    store,
    enableDraftSpec: true,
    // The API, and the customer's page (it checks a manage token); operations endpoints and static assets are free.
    allowList: (request) => !isApiRoute(request) && request.routeOptions.url !== MANAGE_PAGE_ROUTE,
    keyGenerator: async (request) => {
      // A customer has no key: it counts against its address, as does every attempt with a wrong token.
      if (request.actor && request.actor.role !== 'customer') return `key:${request.actor.keyId}`;
      const feed = await feedBucket(request, options);
      return feed ?? `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'RATE_LIMITED', `Rate limit of ${context.max} requests per ${context.after} exceeded; retry later`),
  });

  app.addHook('preParsing', (request, _reply, payload, done) => done(refusalOf(request), payload));
}

/**
 * A calendar app that presents its feed's valid `?token=` counts against that feed's own budget, not its address's:
 * junk from the same address (a shared NAT, a proxy) cannot lock subscribers out. Anything else is undefined.
 */
async function feedBucket(request: FastifyRequest, options: SecurityOptions): Promise<string | undefined> {
  if (request.routeOptions.url !== CALENDAR_FEED_ROUTE || !options.calendarTokenOf) return undefined;
  const token = (request.query as Record<string, unknown>).token;
  const providerId = Number((request.params as Record<string, unknown>).id);
  if (typeof token !== 'string' || token === '' || !Number.isSafeInteger(providerId) || providerId < 1) return undefined;
  const expected = await options.calendarTokenOf(providerId);
  return expected !== null && sameSecret(token, expected) ? `feed:${providerId}` : undefined;
}

async function identifyCustomer(request: FastifyRequest, token: string, identify: NonNullable<SecurityOptions['identifyCustomer']>): Promise<void> {
  const id = (request.params as Record<string, unknown>).id;
  const bookingId = typeof id === 'string' && /^[1-9][0-9]{0,14}$/.test(id) ? Number(id) : undefined;
  try {
    // A token opens one booking; with an id that names none, it opens nothing.
    if (bookingId === undefined) throw new BookingNotFoundError();
    request.actor = await identify(bookingId, token);
  } catch (error) {
    if (!(error instanceof BookingNotFoundError)) throw error;
    request.authFailure = error;
  }
}

/** Why a request to the API may not go on (401 or 403), decided before its body is read; undefined when it may. */
function refusalOf(request: FastifyRequest): Error | undefined {
  if (!isApiRoute(request)) return undefined;
  const config = request.routeOptions.config;
  if (!request.actor) {
    if (config.public && !request.authFailure) return undefined;
    return request.authFailure ?? new UnauthenticatedError();
  }
  if (config.adminOnly && request.actor.role !== 'admin') return new ForbiddenError();
  return undefined;
}

/**
 * The headers helmet sets with `options`, read once. They depend on nothing in the request, so building them
 * per request (as @fastify/helmet does) would only cost time.
 */
export function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as never, response as never, (error?: unknown) => (failure = error));
  if (failure) throw failure;
  return headers;
}

/** Security headers on every response; the CSP admits exactly what Swagger UI needs on /docs. */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  const swaggerCSP = (app as unknown as { swaggerCSP?: { script: string[]; style: string[] } }).swaggerCSP ?? { script: [], style: [] };
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        formAction: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", ...swaggerCSP.script],
        styleSrc: ["'self'", ...swaggerCSP.style],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
