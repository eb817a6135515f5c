import { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { HoldCounts } from '../../application/ports/hold-repository';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { NoQuery, publicErrorResponses } from './routes/common';

export interface OutboxStats {
  /** Not delivered yet, retries included: the backlog. */
  pending: number;
  /** Given up on. */
  failed: number;
  /** The part of the backlog that failed at least once and waits for a retry. */
  retrying?: number;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsOptions {
  /** Outbox figures read at each scrape; the outbox gauges exist only when this is given. */
  outboxStats?: () => Promise<OutboxStats>;
  /** Holds by state read at each scrape (expiry writes nothing, so expired holds are counted, not tallied). */
  holdStats?: () => Promise<HoldCounts>;
  /** Database pool figures read at each scrape. */
  poolStats?: () => PoolStats;
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
}

/** Routes whose outcome counts as a booking created or refused. */
const BOOKING_WRITES: Record<string, 'create' | 'update'> = {
  'POST /api/v1/bookings': 'create',
  'PATCH /api/v1/bookings/:id': 'update',
};

const HOLDS_ROUTE = '/api/v1/holds';
const DECISION_ROUTES: Record<string, 'confirm' | 'decline'> = {
  '/api/v1/bookings/:id/confirm': 'confirm',
  '/api/v1/bookings/:id/decline': 'decline',
};

const UNMATCHED_ROUTE = 'unmatched';

function routeOf(request: FastifyRequest): string {
  // The route pattern, never the raw URL: one series per route, whatever ids or query strings are sent.
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

function errorCodeOf(payload: unknown): string {
  if (typeof payload !== 'string') return 'UNKNOWN';
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code : 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
}

/**
 * Prometheus metrics on `GET /metrics`, in a registry of this app's own (several apps may live in one process).
 * Registered without encapsulation so that its hooks see every route.
 */
const metricsPlugin: FastifyPluginAsync<MetricsOptions> = async (app: FastifyInstance, options) => {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const created = new Counter({
    name: 'bookings_created_total',
    help: 'Bookings created (201 from POST /api/v1/bookings, idempotent replays included), by kind: provider (no service) or service',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const createdOf = { provider: created.labels('provider'), service: created.labels('service') };
  const holdsCreated = new Counter({
    name: 'holds_created_total',
    help: 'Holds created (201 from POST /api/v1/holds)',
    registers: [registry],
  });
  const holdsConverted = new Counter({
    name: 'holds_converted_total',
    help: 'Holds turned into bookings (201 from POST /api/v1/bookings with hold_id, idempotent replays included)',
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'booking_decisions_total',
    help: 'Pending bookings confirmed or declined (200 from POST /api/v1/bookings/{id}/confirm or /decline)',
    labelNames: ['decision'] as const,
    registers: [registry],
  });
  const decided = { confirm: decisions.labels('confirmed'), decline: decisions.labels('declined') };
  const refused = new Counter({
    name: 'bookings_refused_total',
    help: 'Booking creations and changes refused with a 4xx, by error code and operation (create or update)',
    labelNames: ['reason', 'operation'] as const,
    registers: [registry],
  });

  const poolStats = options.poolStats;
  if (poolStats) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state: open (total), idle, and callers waiting for one',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const stats = poolStats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'in_use' }, Math.max(0, stats.total - stats.idle));
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }

  const holdStats = options.holdStats;
  if (holdStats) {
    new Gauge({
      name: 'holds',
      help: 'Holds by state: live, expired (ran out unconverted), converted (became bookings), released',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        try {
          const counts = await holdStats();
          for (const state of ['live', 'expired', 'converted', 'released'] as const) this.set({ state }, counts[state]);
        } catch (error) {
          app.log.warn({ err: error }, 'hold statistics unavailable for /metrics');
        }
      },
    });
  }

  const outboxStats = options.outboxStats;
  if (outboxStats) {
    new Gauge({
      name: 'outbox_messages',
      help: 'Outbox messages (webhook deliveries, email) by state: pending = not delivered yet (the backlog, retries included), retrying = pending after a failed attempt, failed = given up on',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        try {
          const stats = await outboxStats();
          this.set({ state: 'pending' }, stats.pending);
          this.set({ state: 'failed' }, stats.failed);
          if (stats.retrying !== undefined) this.set({ state: 'retrying' }, stats.retrying);
        } catch (error) {
          // A scrape still answers with everything else; the gauge keeps its last value.
          app.log.warn({ err: error }, 'outbox statistics unavailable for /metrics');
        }
      },
    });
  }

  const errorCodes = new WeakMap<FastifyRequest, string>();
  const serviceBookings = new WeakSet<FastifyRequest>();
  // One labelled child per method, route pattern and status, looked up by a string: given a label object on
  // every call, prom-client would sort and join the labels each time. Route patterns and status codes are few.
  const series = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<string> }>();
  const seriesOf = (method: string, route: string, status: number) => {
    const key = `${method} ${route} ${status}`;
    let found = series.get(key);
    if (!found) {
      found = { requests: requests.labels(method, route, String(status)), duration: duration.labels(method, route, String(status)) };
      series.set(key, found);
    }
    return found;
  };

  app.addHook('onSend', (request, reply, payload, done) => {
    const operation = BOOKING_WRITES[`${request.method} ${routeOf(request)}`];
    if (reply.statusCode >= 400 && reply.statusCode < 500 && operation) errorCodes.set(request, errorCodeOf(payload));
    // The kind is read off the answer as written, without parsing it: a booking without a service says so.
    if (operation === 'create' && reply.statusCode === 201 && typeof payload === 'string' && !payload.includes('"service_id":null')) {
      serviceBookings.add(request);
    }
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request);
    const status = reply.statusCode;
    const { requests: count, duration: time } = seriesOf(request.method, route, status);
    count.inc();
    time.observe(reply.elapsedTime / 1000);
    const operation = BOOKING_WRITES[`${request.method} ${route}`];
    if (operation === 'create' && status === 201) {
      createdOf[serviceBookings.has(request) ? 'service' : 'provider'].inc();
      if (typeof (request.body as { hold_id?: unknown } | undefined)?.hold_id === 'number') holdsConverted.inc();
    } else if (status === 201 && request.method === 'POST' && route === HOLDS_ROUTE) holdsCreated.inc();
    else if (status === 200 && request.method === 'POST' && DECISION_ROUTES[route]) decided[DECISION_ROUTES[route]].inc();
    else if (operation && status >= 400 && status < 500) refused.inc({ reason: errorCodes.get(request) ?? 'UNKNOWN', operation });
    done();
  });

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (text exposition format)',
        querystring: NoQuery,
        response: {
          200: {
            description: 'Metrics in the Prometheus text format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...publicErrorResponses(),
        },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
};

// What fastify-plugin does: hooks added here apply to the whole app, not only to this plugin's scope.
(metricsPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export { metricsPlugin };
