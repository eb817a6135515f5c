import { Socket } from 'node:net';
import fastifyCors from '@fastify/cors';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fastJsonStringify from 'fast-json-stringify';
import Fastify, { FastifyContextConfig, FastifyInstance, FastifyRequest, FastifyServerOptions, onRequestHookHandler } from 'fastify';
import { Type } from 'typebox';
import { UseCases } from '../../application/use-cases';
import { ValidationError } from '../../domain/errors';
import { TimeZones } from '../../domain/time-zones';
import {
  clientErrorHandler,
  errorHandler,
  fieldName,
  frameworkErrorHandler,
  HttpError,
  MAX_PARAM_LENGTH,
  RETRY_AFTER_UNAVAILABLE_SECONDS,
} from './errors';
import { requestIdOptions, requestLogging } from './logging';
import type { HoldCounts } from '../../application/ports/hold-repository';
import { metricsPlugin, OutboxStats, PoolStats } from './metrics';
import { carriesSecret, swaggerOptions } from './openapi';
import './request-context';
import { bookingRoutes } from './routes/bookings';
import { calendarFeedRoutes } from './routes/calendar-feed';
import { NoQuery, publicErrorResponses } from './routes/common';
import { apiKeyRoutes } from './routes/api-keys';
import { providerRoutes } from './routes/providers';
import { scheduleRoutes } from './routes/schedules';
import { holdRoutes } from './routes/holds';
import { manageRoutes } from './routes/manage';
import { seriesRoutes } from './routes/series';
import { serviceRoutes } from './routes/services';
import { webhookRoutes } from './routes/webhooks';
import { registerSecurity, registerSecurityHeaders, SecurityOptions } from './security';

export const BODY_LIMIT = 102_400;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface HttpAppOptions {
  useCases: UseCases;
  zones: TimeZones;
  /** True when the database answers. */
  checkReady: () => Promise<boolean>;
  logger?: FastifyServerOptions['logger'];
  /** API keys and rate limits for /api routes. */
  security: SecurityOptions;
  version?: string;
  /** Serve GET /metrics (default true). */
  metrics?: boolean;
  /** Outbox backlog for /metrics. */
  outboxStats?: () => Promise<OutboxStats>;
  /** Holds by state for /metrics. */
  holdStats?: () => Promise<HoldCounts>;
  /** Database pool figures for /metrics. */
  poolStats?: () => PoolStats;
  /** A request whose headers and body have not fully arrived by then is cut off (default 30000). */
  requestTimeoutMs?: number;
  /** Fastify `trustProxy`: whose X-Forwarded-For gives `request.ip` (rate-limit buckets, logs). Default: nobody's. */
  trustProxy?: boolean | number | string[];
  /** Origins allowed to call the API from a browser; none (the default): no CORS headers at all. */
  corsOrigins?: string[];
}

/** What a browser may send cross-origin, and read back, besides the CORS-safelisted headers. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'If-None-Match'];
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'];

function makeAjv(coerce: boolean) {
  // Bodies are JSON and never coerced ("1" is not 1); query strings and path ids are text and are.
  const ajv = new Ajv({
    coerceTypes: coerce,
    useDefaults: coerce,
    removeAdditional: false,
    allErrors: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/** The body is a JSON object (or absent where allowed), with the route's required fields and none of its forbidden ones. */
function checkBodyShape(body: unknown, config: FastifyContextConfig): void {
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    throw new ValidationError('Request body must be a JSON object');
  }
  const fields = (body ?? {}) as Record<string, unknown>;
  if (config.requiredFields) {
    const required = typeof config.requiredFields === 'function' ? config.requiredFields(fields) : config.requiredFields;
    const missing = required.filter((f) => fields[f] === undefined || fields[f] === null || fields[f] === '');
    if (missing.length) throw new ValidationError(`Missing required fields: ${missing.join(', ')}`, { missing });
  } else if (config.bodyRequired && body === undefined) {
    throw new ValidationError('Request body must be a JSON object');
  }
  for (const [field, message] of Object.entries(config.forbiddenFields ?? {})) {
    if (field in fields) throw new ValidationError(message, { field });
  }
}

// A NUL is refused by PostgreSQL and kept by SQLite; an unpaired surrogate cannot be stored as UTF-8 and comes back as U+FFFD.
const SUSPECT_TEXT = /[\u0000\ud800-\udfff]/;
const UNSAFE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with the text, if anything: a NUL or an unpaired surrogate. */
function unsafeText(text: string): 'nul' | 'surrogate' | undefined {
  if (!SUSPECT_TEXT.test(text)) return undefined;
  const bad = UNSAFE_TEXT.exec(text);
  return bad === null ? undefined : bad[0] === '\u0000' ? 'nul' : 'surrogate';
}

/** Throws a 400 naming the first string in `value` (a value or a field name) with a NUL or an unpaired surrogate. */
function checkText(value: unknown, part: string): void {
  // An explicit stack, not recursion: a 100 KB body can nest tens of thousands of levels deep. Paths are built only
  // for the answer.
  interface Frame {
    value: unknown;
    parent: Frame | null;
    key: string;
  }
  const pathOf = (frame: Frame | null): string => {
    const keys: string[] = [];
    for (let f = frame; f?.parent; f = f.parent) keys.push(f.key);
    return fieldName(keys.reverse().join('.') || part);
  };
  const stack: Frame[] = [{ value, parent: null, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const problem = unsafeText(v);
      if (problem === undefined) continue;
      const field = pathOf(frame);
      const what = problem === 'nul' ? 'must not contain NUL characters' : 'must be valid Unicode text (it contains an unpaired surrogate)';
      throw new ValidationError(`${field} ${what}`, { field });
    }
    if (v === null || typeof v !== 'object') continue;
    const keys = Array.isArray(v) ? null : Object.keys(v);
    if (keys?.some((key) => unsafeText(key) !== undefined)) {
      const field = pathOf(frame);
      throw new ValidationError(`A field name in ${field} contains a NUL character or an unpaired surrogate`, { field });
    }
    // Pushed last to first, so the first offending value in document order is the one named.
    for (let i = (keys ?? (v as unknown[])).length - 1; i >= 0; i--) {
      const key = keys ? keys[i] : String(i);
      const item = (v as Record<string, unknown>)[key];
      if (typeof item === 'string' || (item !== null && typeof item === 'object')) stack.push({ value: item, parent: frame, key });
    }
  }
}

/** Every text the client sent (JSON body, query string, path parameters) is storable. */
function checkRequestText(request: FastifyRequest): void {
  checkText(request.params, 'path');
  checkText(request.query, 'query');
  checkText(request.body, 'body');
}

const noStore: onRequestHookHandler = (_request, reply, done) => {
  reply.header('cache-control', 'no-store');
  done();
};

/** Fastify's `trustProxy`; a hop count as the function Fastify would make of it (its typings take none). */
function trustProxySetting(trust: boolean | number | string[] | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

/** How often Node looks for requests past their deadline: a tenth of it, between 50 ms and a second. */
function deadlineCheckInterval(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(timeoutMs / 10)));
}

/** Builds the Fastify app without listening, so tests can `inject` and `main` can `listen`. */
export async function buildApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxySetting(options.trustProxy),
    ...requestIdOptions(),
    // Fastify's default (0) turns Node's request deadline off: a body sent a byte at a time held its socket for ever.
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      connectionsCheckingInterval: deadlineCheckInterval(requestTimeout),
    },
    clientErrorHandler: clientErrorHandler(requestTimeout),
    frameworkErrors: frameworkErrorHandler,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Answered below in the error shape instead (UNAVAILABLE with Retry-After).
    return503OnClosing: false,
    // The error handler words validation failures itself; Fastify's default would join every issue into one message.
    schemaErrorFormatter: (_errors, dataVar) => new Error(`${dataVar} is invalid`),
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  // Compiled on a route's first request rather than all at start: start-up stays well under a second.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    let compiled: ValidateFunction | undefined;
    const validate = (data: unknown) => {
      compiled ??= (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
      const ok = compiled(data);
      validate.errors = compiled.errors;
      return ok;
    };
    validate.errors = null as ValidateFunction['errors'];
    return validate;
  });
  // Routes share response shapes (the error body above all): compile each shape once, on first use.
  const serializers = new Map<string, (data: unknown) => string>();
  app.setSerializerCompiler(({ schema }) => {
    const key = JSON.stringify(schema, (k, v) =>
      ((k === 'description' || k === 'title') && typeof v === 'string') || (k === 'examples' && Array.isArray(v)) ? undefined : v,
    );
    let serialize = serializers.get(key);
    if (!serialize) {
      let compiled: ((data: unknown) => string) | undefined;
      serialize = (data: unknown) => (compiled ??= fastJsonStringify(schema as Parameters<typeof fastJsonStringify>[0]) as (d: unknown) => string)(data);
      serializers.set(key, serialize);
    }
    return serialize;
  });

  // Bodies are JSON only: without its built-in text/plain parser Fastify answers 415 for anything else.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body (DELETE from many clients) is no body at all, not a syntax error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    jsonParser(request, body as string, done);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: 'Route not found', code: 'NOT_FOUND' });
  });
  await app.register(requestLogging);
  if (options.corsOrigins?.length) {
    // Before authentication and rate limits: a preflight carries no credentials and is answered by this hook.
    await app.register(fastifyCors, {
      origin: options.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  let closing = false;
  let drainTimer: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    closing = true;
    // A closing Node server stops enforcing request deadlines: requests in flight get until theirs, then every
    // connection still open is ended, so a client sending slowly cannot hold the shutdown.
    drainTimer = setTimeout(() => app.server.closeAllConnections(), requestTimeout);
    drainTimer.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearTimeout(drainTimer);
    done();
  });
  // Decided as a request arrives, whatever hooks it then awaits. The first request of a connection opened before the
  // close began was on its way already (its bytes may simply not have been read yet): it is served too.
  const arrivedWhileClosing = new WeakSet<FastifyRequest>();
  const openedBeforeClose = new WeakSet<Socket>();
  app.server.on('connection', (socket: Socket) => {
    if (!closing) openedBeforeClose.add(socket);
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const first = openedBeforeClose.delete(request.raw.socket);
    if (closing && !first) arrivedWhileClosing.add(request);
    done();
  });
  app.addHook('onRoute', (route) => {
    const responses = (route.schema?.response ?? {}) as Record<string, unknown>;
    if (!Object.entries(responses).some(([status, schema]) => status.startsWith('2') && carriesSecret(schema))) return;
    route.onRequest = [...(Array.isArray(route.onRequest) ? route.onRequest : route.onRequest ? [route.onRequest] : []), noStore];
  });

  app.decorateRequest('actor', null as never);
  await registerSecurity(app, options.security);

  app.addHook('preValidation', (request, _reply, done) => {
    try {
      // Text that cannot be stored is refused first, whatever else is wrong with the request.
      checkRequestText(request);
      checkBodyShape(request.body as unknown, request.routeOptions.config);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  await app.register(fastifySwagger, swaggerOptions(options.version ?? '0.1.0'));
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Served over plain HTTP (compose, a private network), upgrade-insecure-requests would send its assets to https://.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  await registerSecurityHeaders(app);
  // After the security headers, which every answer carries, these ones included.
  app.addHook('onRequest', (request, _reply, done) => {
    if (arrivedWhileClosing.has(request)) {
      return done(new HttpError(503, 'UNAVAILABLE', 'The service is shutting down; retry the request', undefined, { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) }));
    }
    // An unknown route is answered before its body is read (the not-found handler would wait for the body).
    if (request.is404) return done(new HttpError(404, 'NOT_FOUND', 'Route not found'));
    done();
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(manageRoutes, { useCases: options.useCases, zones: options.zones });
  if (options.metrics !== false) await app.register(metricsPlugin, { outboxStats: options.outboxStats, holdStats: options.holdStats, poolStats: options.poolStats });

  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        operationId: 'getHealth',
        summary: 'Liveness',
        querystring: NoQuery,
        response: { 200: Type.Object({ status: Type.String() }), ...publicErrorResponses() },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        summary: 'Readiness: 200 when the database answers, else 503',
        querystring: NoQuery,
        response: { 200: Type.Object({ status: Type.String() }), ...publicErrorResponses() },
      },
    },
    async (_request, reply) => {
      const ok = await options.checkReady().catch(() => false);
      if (!ok) {
        return reply.code(503).header('retry-after', String(RETRY_AFTER_UNAVAILABLE_SECONDS)).send({ error: 'The database does not answer', code: 'UNAVAILABLE' });
      }
      return { status: 'ready' };
    },
  );

  await app.register(
    async (api) => {
      await api.register(providerRoutes, { useCases: options.useCases });
      await api.register(scheduleRoutes, { useCases: options.useCases });
      await api.register(bookingRoutes, { useCases: options.useCases, zones: options.zones });
      await api.register(serviceRoutes, { useCases: options.useCases });
      await api.register(holdRoutes, { useCases: options.useCases, zones: options.zones });
      await api.register(seriesRoutes, { useCases: options.useCases, zones: options.zones });
      await api.register(apiKeyRoutes, { useCases: options.useCases });
      await api.register(webhookRoutes, { useCases: options.useCases });
      await api.register(calendarFeedRoutes, { useCases: options.useCases, zones: options.zones });
    },
    { prefix: '/api/v1' },
  );

  return app;
}
