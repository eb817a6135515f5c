import fastifyRateLimit from '@fastify/rate-limit';
import { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type Redis from 'ioredis';
import { Actor } from '../../domain/actor';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors';
import { HttpError } from './errors';
import './request-context';

export interface SecurityOptions {
  /** Resolves a presented API key secret to its caller; throws UnauthenticatedError. */
  authenticate(secret: string | undefined): Promise<Actor>;
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
    authFailure?: UnauthenticatedError;
  }
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

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
    ? new (require('ioredis') as typeof import('ioredis')).default(options.rateLimit.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false })
    : undefined;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));

  await app.register(fastifyRateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    redis,
    nameSpace: options.rateLimit.namespace ?? 'booking-rl:',
    // With Redis unreachable, serve rather than refuse: availability over strict limits.
    skipOnError: true,
    enableDraftSpec: true,
    allowList: (request) => !isApiRoute(request),
    keyGenerator: (request) => (request.actor ? `key:${request.actor.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'RATE_LIMITED', `Rate limit of ${context.max} requests per ${context.after} exceeded; retry later`),
  });

  app.addHook('preParsing', (request, _reply, payload, done) => done(refusalOf(request), payload));
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
