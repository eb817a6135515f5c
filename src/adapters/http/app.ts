import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fastJsonStringify from 'fast-json-stringify';
import Fastify, { FastifyContextConfig, FastifyInstance, FastifyServerOptions } from 'fastify';
import { Type } from 'typebox';
import { UseCases } from '../../application/use-cases';
import { ValidationError } from '../../domain/errors';
import { TimeZones } from '../../domain/time-zones';
import { errorHandler, RETRY_AFTER_UNAVAILABLE_SECONDS } from './errors';
import { requestIdOptions, requestLogging } from './logging';
import { metricsPlugin, OutboxStats, PoolStats } from './metrics';
import './request-context';
import { bookingRoutes } from './routes/bookings';
import { calendarRoutes } from './routes/calendar';
import { publicErrorResponses } from './routes/common';
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
  /** Database pool figures for /metrics. */
  poolStats?: () => PoolStats;
}

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

/** Builds the Fastify app without listening, so tests can `inject` and `main` can `listen`. */
export async function buildApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    ...requestIdOptions(),
    return503OnClosing: true,
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

  app.decorateRequest('actor', null as never);
  await registerSecurity(app, options.security);

  app.addHook('preValidation', (request, _reply, done) => {
    try {
      checkBodyShape(request.body as unknown, request.routeOptions.config);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Booking service',
        version: options.version ?? '0.1.0',
        description:
          'Book providers (people, rooms, machines) in time slots. Times are judged in the provider’s IANA time zone; no double booking, ever. Every error has the shape {"error", "code", "details"?}.',
      },
      servers: [{ url: '/' }],
      tags: [
        { name: 'providers' },
        { name: 'schedules' },
        { name: 'availability' },
        { name: 'bookings' },
        { name: 'services' },
        { name: 'holds' },
        { name: 'series' },
        { name: 'events' },
        { name: 'webhooks' },
        { name: 'api keys' },
        { name: 'operations' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer bk_...`' },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: ({ schema, url, route }) => {
      // Public routes need no key: say so per operation.
      const open = route.config?.public === true || !url.startsWith('/api/');
      return { schema: open ? { ...schema, security: [] } : schema, url } as never;
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Served over plain HTTP (compose, a private network), upgrade-insecure-requests would send its assets to https://.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  await registerSecurityHeaders(app);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(manageRoutes, { useCases: options.useCases, zones: options.zones });
  if (options.metrics !== false) await app.register(metricsPlugin, { outboxStats: options.outboxStats, poolStats: options.poolStats });

  app.get(
    '/health',
    {
      config: { public: true },
      schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.String() }), ...publicErrorResponses() } },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 when the database answers, else 503',
        response: { 200: Type.Object({ status: Type.String() }), ...publicErrorResponses(503) },
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
      await api.register(calendarRoutes, { useCases: options.useCases, zones: options.zones });
    },
    { prefix: '/api/v1' },
  );

  return app;
}
