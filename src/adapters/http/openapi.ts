/**
 * The OpenAPI document: @fastify/swagger builds it from the route schemas; this module adds what a code generator
 * needs to trust it. Named schemas (a schema's `title`) become `components.schemas` referenced by `$ref`; every
 * error response lists exactly its operation's codes with typed `details` and one example; every response header
 * the service sends is declared; the token schemes of the calendar feed and of a booking's customer are security
 * schemes; webhook deliveries are a callback of POST /api/v1/webhooks.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifyContextConfig } from 'fastify';
import { TIMING_RULE_CODES } from '../../application/use-cases/series';

type Json = Record<string, any>;

/** Response headers the service sends, by the name the document gives them. */
export type ResponseHeader = 'ETag' | 'Location' | 'Cache-Control';

const HEADERS: Record<string, Json> = {
  ETag: { description: 'The version of what the answer shows; send it back in If-None-Match (or If-Match) to make the request conditional', schema: { type: 'string' }, example: '"3"' },
  Location: { description: 'Where the created resource is read', schema: { type: 'string' }, example: '/api/v1/bookings/1' },
  'Cache-Control': { description: 'How caches may keep the answer (no-store for any answer that may carry a secret)', schema: { type: 'string' }, example: 'no-store' },
  'RateLimit-Limit': { description: 'Requests allowed per window for this key (or address)', schema: { type: 'integer' }, example: 600 },
  'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' }, example: 599 },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' }, example: 42 },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' }, example: 5 },
  'WWW-Authenticate': { description: 'The scheme to authenticate with', schema: { type: 'string' }, example: 'Bearer' },
};

/** Header parameters as the document names them (Fastify's header schemas are lower case). */
const HEADER_PARAMETER_NAMES: Record<string, string> = {
  'if-match': 'If-Match',
  'if-none-match': 'If-None-Match',
  'idempotency-key': 'Idempotency-Key',
};

const NAMED = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Shapes of `details`, named. */
const DETAILS_SCHEMAS: Record<string, Json> = {
  ValidationErrorDetails: {
    type: 'object',
    description: 'One of: `errors` (schema issues, at most 10, `more_errors` counting the rest), `missing` (required fields, in order), or `field` (the one field at fault)',
    properties: {
      errors: {
        type: 'array',
        items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
      more_errors: { type: 'integer', minimum: 1 },
      missing: { type: 'array', items: { type: 'string' } },
      field: { type: 'string' },
    },
  },
  SlotUnavailableDetails: {
    type: 'object',
    description: 'A booking in the way that the caller may see (absent when there is none), or for a service the first pool (from 0) no provider of which can take the span',
    properties: { conflicting_booking_id: { type: 'integer' }, pool: { type: 'integer', minimum: 0 } },
  },
  SeriesConflictDetails: {
    type: 'object',
    description: 'Every occurrence that was refused, in date order, with its code',
    required: ['conflicts'],
    properties: {
      conflicts: {
        type: 'array',
        items: { type: 'object', required: ['date', 'code'], properties: { date: { type: 'string' }, code: { type: 'string' } } },
      },
    },
  },
  VersionMismatchDetails: { type: 'object', required: ['current_version'], properties: { current_version: { type: 'integer' } } },
  CapacityInUseDetails: {
    type: 'object',
    required: ['in_use'],
    properties: { in_use: { type: 'integer', description: 'The most bookings and holds that overlap at some instant from now on' } },
  },
  TooSoonDetails: { type: 'object', required: ['min_notice_minutes'], properties: { min_notice_minutes: { type: 'integer' } } },
  TooFarAheadDetails: { type: 'object', required: ['max_days_ahead'], properties: { max_days_ahead: { type: 'integer' } } },
  TooLateToChangeDetails: {
    type: 'object',
    description: 'The notice of the change policy that applies: for a cancellation, or for a move',
    properties: { min_cancel_notice_minutes: { type: 'integer' }, min_reschedule_notice_minutes: { type: 'integer' } },
  },
};

const SERIES_OPERATIONS = new Set(['createSeries']);

/** Codes whose answer always carries `details`. */
const ALWAYS_DETAILED = new Set(['VERSION_MISMATCH', 'CAPACITY_IN_USE', 'TOO_SOON', 'TOO_FAR_AHEAD', 'TOO_LATE_TO_CHANGE']);

/** The named shape of `details` for a code in an operation, if it has one. */
function detailsOf(code: string, operationId: string): string | undefined {
  if (SERIES_OPERATIONS.has(operationId) && (code === 'SLOT_UNAVAILABLE' || TIMING_RULE_CODES.has(code))) return 'SeriesConflictDetails';
  return (
    {
      VALIDATION_ERROR: 'ValidationErrorDetails',
      SLOT_UNAVAILABLE: 'SlotUnavailableDetails',
      VERSION_MISMATCH: 'VersionMismatchDetails',
      CAPACITY_IN_USE: 'CapacityInUseDetails',
      TOO_SOON: 'TooSoonDetails',
      TOO_FAR_AHEAD: 'TooFarAheadDetails',
      TOO_LATE_TO_CHANGE: 'TooLateToChangeDetails',
    } as Record<string, string>
  )[code];
}

/** One answer of `code` as the operation gives it. */
function exampleOf(code: string, op: Json): Json {
  const operationId = op.operationId as string;
  if (SERIES_OPERATIONS.has(operationId) && (code === 'SLOT_UNAVAILABLE' || TIMING_RULE_CODES.has(code))) {
    return {
      error: code === 'SLOT_UNAVAILABLE' ? 'This time slot is already booked' : 'The booking would start in the past',
      code,
      details: { conflicts: [{ date: '2027-12-13', code }] },
    };
  }
  switch (code) {
    case 'VALIDATION_ERROR':
      if (op.requestBody && operationId === 'createBooking') {
        return { error: 'Missing required fields: provider_id, time', code, details: { missing: ['provider_id', 'time'] } };
      }
      if (op.requestBody) return { error: 'Unknown field: colour', code, details: { errors: [{ field: 'colour', message: 'Unknown field: colour' }] } };
      return { error: 'Unknown field: foo', code, details: { errors: [{ field: 'foo', message: 'Unknown field: foo' }] } };
    case 'SLOT_UNAVAILABLE':
      return { error: 'This time slot is already booked', code, details: { conflicting_booking_id: 7 } };
    case 'VERSION_MISMATCH':
      return { error: 'The booking was changed by someone else; fetch it again', code, details: { current_version: 4 } };
    case 'CAPACITY_IN_USE':
      return { error: 'Capacity cannot go below 3: that many bookings and holds overlap at some instant from now on', code, details: { in_use: 3 } };
    case 'TOO_SOON':
      return { error: 'Bookings need at least 120 minutes of notice', code, details: { min_notice_minutes: 120 } };
    case 'TOO_FAR_AHEAD':
      return { error: 'Bookings may be made at most 90 days ahead', code, details: { max_days_ahead: 90 } };
    case 'TOO_LATE_TO_CHANGE':
      return operationId === 'cancelBooking'
        ? { error: 'This booking can no longer be cancelled: changes need at least 1440 minutes before it starts', code, details: { min_cancel_notice_minutes: 1440 } }
        : { error: 'This booking can no longer be moved: changes need at least 1440 minutes before it starts', code, details: { min_reschedule_notice_minutes: 1440 } };
  }
  const messages: Record<string, string> = {
    UNAUTHENTICATED: 'A valid API key is required',
    FORBIDDEN: 'This API key may not do that',
    PROVIDER_NOT_FOUND: 'Provider not found',
    BOOKING_NOT_FOUND: 'Booking not found',
    NOT_FOUND: operationId.includes('Schedule') ? 'Schedule not found' : operationId.includes('Webhook') ? 'Webhook not found' : 'API key not found',
    SERVICE_NOT_FOUND: 'Service not found',
    HOLD_NOT_FOUND: 'Hold not found',
    SERIES_NOT_FOUND: 'Series not found',
    HOLD_EXPIRED: 'The hold has expired, was released or was already turned into a booking',
    BOOKING_NOT_PENDING: 'Only a pending booking can be confirmed or declined',
    EMAIL_TAKEN: 'A provider with this email already exists',
    BOOKING_CANCELLED: 'A cancelled booking cannot be changed',
    IDEMPOTENCY_KEY_IN_USE: 'A request with this Idempotency-Key is still being processed; retry shortly',
    LAST_ADMIN_KEY: 'The last active admin key cannot be revoked',
    PAYLOAD_TOO_LARGE: 'Request body is larger than 102400 bytes',
    UNSUPPORTED_MEDIA_TYPE: 'Content-Type must be application/json',
    IN_THE_PAST: 'The booking would start in the past',
    OUTSIDE_WORKING_HOURS: "The booking is not wholly inside the provider's working hours",
    NONEXISTENT_LOCAL_TIME: '2027-03-28 02:30 does not exist in Europe/Berlin (skipped by a daylight-saving change)',
    IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was already used with a different request body',
    RATE_LIMITED: 'Rate limit of 600 requests per 1 minute exceeded; retry later',
    INTERNAL: 'Internal server error',
    UNAVAILABLE: 'The database is unavailable; retry shortly',
  };
  return { error: messages[code] ?? code, code };
}

/** The error response schema of an operation for these codes. */
function errorSchema(codes: string[], op: Json): Json {
  const details = [...new Set(codes.map((code) => detailsOf(code, op.operationId)).filter((d): d is string => d !== undefined))];
  const properties: Json = {
    error: { type: 'string', description: 'Human readable message' },
    code: { type: 'string', enum: codes, description: 'Stable machine code' },
  };
  if (details.length === 1) properties.details = NAMED(details[0]);
  else if (details.length > 1) properties.details = { anyOf: details.map(NAMED) };
  const alwaysDetailed = codes.every((code) => ALWAYS_DETAILED.has(code) || detailsOf(code, op.operationId) === 'SeriesConflictDetails');
  return { type: 'object', required: alwaysDetailed ? ['error', 'code', 'details'] : ['error', 'code'], properties };
}

/** Deep copy of `value` with every `x-documented-as` schema put in place of the schema carrying it. */
function documented(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(documented);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Json;
  if (object['x-documented-as'] !== undefined) return documented(object['x-documented-as']);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, documented(v)]));
}

/** Response fields that hold a secret: an answer that may carry one must never be kept by a cache. */
const SECRET_FIELDS = new Set(['key', 'secret', 'calendar_token', 'manage_token', 'token']);

/** The schema (a response's) can hold one of SECRET_FIELDS at any depth. */
export function carriesSecret(schema: unknown, depth = 0): boolean {
  if (schema === null || typeof schema !== 'object' || depth > 10) return false;
  const s = schema as Json;
  const properties = (s.properties ?? {}) as Json;
  if (Object.keys(properties).some((name) => SECRET_FIELDS.has(name))) return true;
  const children = [...Object.values(properties), s.items, s.additionalProperties, ...[s.anyOf, s.oneOf, s.allOf].flat()];
  return children.some((child) => carriesSecret(child, depth + 1));
}

/** The headers each response of a route carries, by status. */
function responseHeadersOf(url: string, config: FastifyContextConfig | undefined, responses: Json): Record<string, string[]> {
  const rateLimited = url.startsWith('/api/') || url.startsWith('/manage/');
  const secret = Object.entries(responses).some(([status, schema]) => status.startsWith('2') && carriesSecret(schema));
  const out: Record<string, string[]> = {};
  for (const status of Object.keys(responses)) {
    const names = [...((config?.responseHeaders as Record<string, string[]> | undefined)?.[status] ?? [])];
    if (secret && !names.includes('Cache-Control')) names.push('Cache-Control');
    if (rateLimited) names.push('RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset');
    if (status === '429' || status === '503') names.push('Retry-After');
    if (status === '401') names.push('WWW-Authenticate');
    if (names.length) out[status] = names;
  }
  return out;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

function operationsOf(doc: Json): Json[] {
  return Object.values(doc.paths as Json).flatMap((item: Json) => METHODS.filter((m) => item[m]).map((m) => item[m] as Json));
}

/** Every schema with a `title` becomes components.schemas[title], referenced by `$ref` wherever it appeared. */
function hoistNamedSchemas(node: unknown, schemas: Json, key?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistNamedSchemas(item, schemas));
  if (node === null || typeof node !== 'object') return node;
  // `example`/`examples` values are data, not schemas.
  if (key === 'example' || key === 'examples') return node;
  const object = Object.fromEntries(Object.entries(node as Json).map(([k, v]) => [k, hoistNamedSchemas(v, schemas, k)]));
  const title = object.title;
  if (typeof title !== 'string' || typeof object.type !== 'string' || key === 'properties') return object;
  const { example, ...shape } = object;
  const existing = schemas[title] as Json | undefined;
  if (existing === undefined) schemas[title] = object;
  else {
    const { example: known, ...existingShape } = existing;
    if (JSON.stringify(existingShape) !== JSON.stringify(shape)) throw new Error(`Two different schemas are both named ${title}`);
    if (known === undefined && example !== undefined) schemas[title] = { ...existing, example };
  }
  return NAMED(title);
}

/** Adds what @fastify/swagger leaves out; see the module comment. */
function completeDocument(doc: Json): Json {
  const schemas: Json = { ...(doc.components.schemas ?? {}) };
  const usedHeaders = new Set<string>();
  const usedDetails = new Set<string>();
  for (const op of operationsOf(doc)) {
    for (const parameter of (op.parameters ?? []) as Json[]) {
      if (parameter.in === 'header') parameter.name = HEADER_PARAMETER_NAMES[parameter.name] ?? parameter.name;
    }
    const headers = (op['x-response-headers'] ?? {}) as Record<string, string[]>;
    delete op['x-response-headers'];
    for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
      if (status === '304') response.description = 'Not modified: what If-None-Match names is still current (no body)';
      else if (response.description === 'Default Response') response.description = status.startsWith('2') ? 'Success' : response.description;
      const names = headers[status] ?? [];
      if (names.length) {
        response.headers = Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
        names.forEach((name) => usedHeaders.add(name));
      }
      const media = response.content?.['application/json'];
      const codes = media?.schema?.properties?.code?.enum as string[] | undefined;
      if (Number(status) < 400 || !media || !codes) continue;
      media.schema = errorSchema(codes, op);
      delete media.examples;
      media.example = exampleOf(codes[0], op);
      codes.forEach((code) => {
        const details = detailsOf(code, op.operationId);
        if (details) usedDetails.add(details);
      });
    }
  }
  doc.paths = hoistNamedSchemas(doc.paths, schemas);
  for (const name of [...usedDetails].sort()) schemas[name] = DETAILS_SCHEMAS[name];
  webhookCallback(doc);
  doc.components.schemas = Object.fromEntries(Object.keys(schemas).sort().map((name) => [name, schemas[name]]));
  doc.components.headers = Object.fromEntries([...usedHeaders].sort().map((name) => [name, HEADERS[name]]));
  return doc;
}

/** Webhook deliveries: a POST of the event to the webhook's url, signed. */
function webhookCallback(doc: Json): void {
  const create = doc.paths['/api/v1/webhooks']?.post as Json | undefined;
  if (!create) return;
  create.callbacks = {
    bookingEvent: {
      '{$request.body#/url}': {
        post: {
          operationId: 'deliverBookingEvent',
          summary: 'A booking event, delivered to the webhook’s url',
          description:
            'Each event of a type the webhook subscribes to is POSTed once it is committed. A 2xx answer within 10 s is a delivery; anything else is retried with exponential backoff (the first retry within 10 s) for at least 24 hours. Check the signature before trusting the body.',
          parameters: [
            {
              name: 'X-Webhook-Signature',
              in: 'header',
              required: true,
              description:
                '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the webhook secret>`. While a secret is being rotated there may be several `v1=` values: accept the request when any of them matches.',
              schema: { type: 'string', pattern: '^t=\\d+(,v1=[0-9a-f]{64})+$' },
              example: 't=1798200000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
            },
            {
              name: 'X-Webhook-Event-Id',
              in: 'header',
              required: true,
              description: 'The event id (as in the body): the same on every retry, so a receiver can drop duplicates',
              schema: { type: 'string', pattern: '^\\d+$' },
              example: '12',
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: NAMED('Event') } } },
          responses: {
            '2XX': { description: 'Delivered' },
            '4XX': { description: 'Not delivered: retried later' },
            '5XX': { description: 'Not delivered: retried later' },
          },
          security: [],
        },
      },
    },
  };
}

export const TAGS = [
  { name: 'providers', description: 'People, rooms or machines that are booked, each in its own time zone' },
  { name: 'schedules', description: 'A provider’s working hours, exceptions, buffers and booking limits' },
  { name: 'availability', description: 'Bookable start times: exactly what POST /bookings accepts now' },
  { name: 'bookings', description: 'Bookings of a provider or a service: create, read, move, cancel, confirm' },
  { name: 'services', description: 'Services that take one provider of each of several pools' },
  { name: 'holds', description: 'Short holds on a span during a checkout' },
  { name: 'series', description: 'Repeating bookings made in one transaction' },
  { name: 'events', description: 'The pull feed of booking events' },
  { name: 'webhooks', description: 'Push delivery of booking events, signed' },
  { name: 'api keys', description: 'Keys and their roles (admin, client)' },
  { name: 'self-service', description: 'The customer’s page behind the link in their emails' },
  { name: 'operations', description: 'Liveness, readiness and metrics' },
];

/** The options of @fastify/swagger that produce the document. */
export function swaggerOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Booking service',
        version,
        description:
          'Book providers (people, rooms, machines) in time slots. Times are judged in the provider’s IANA time zone; no double booking, ever. Every error has the shape {"error", "code", "details"?}; each operation lists the codes it answers. ' +
          'Unknown query parameters are 400 on every route. ' +
          'Refusals at the connection level use VALIDATION_ERROR too: 408 (headers and body did not arrive within the request timeout, 30 s by default), 414 (a path segment over 100 characters), 431 (headers over 16 KB); a request arriving while the server shuts down is 503 UNAVAILABLE with Retry-After.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
        contact: { name: 'Booking service maintainers' },
      },
      servers: [{ url: '/', description: 'The service that serves this document' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer bk_...`' },
          manageToken: {
            type: 'apiKey',
            in: 'query',
            name: 'token',
            description: 'A booking’s manage_token, for its customer: opens that booking’s GET, PATCH (date, time) and DELETE, nothing else',
          },
          calendarToken: {
            type: 'apiKey',
            in: 'query',
            name: 'token',
            description: 'A provider’s calendar_token, for calendar apps that cannot send headers: opens that provider’s calendar feed, nothing else',
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: ({ schema, url, route }) => {
      if (schema?.hide) return { schema, url } as never;
      const config = route.config as FastifyContextConfig | undefined;
      const copy = documented(schema) as Json;
      copy['x-response-headers'] = responseHeadersOf(url, config, copy.response ?? {});
      // A booking's customer may call these with its manage token instead of a key; calendar apps with the feed token.
      if (config?.customerToken === true) copy.security = [{ bearerAuth: [] }, { manageToken: [] }];
      else if (config?.calendarToken === true) copy.security = [{ bearerAuth: [] }, { calendarToken: [] }];
      // Public routes need no key: say so per operation.
      else if (config?.public === true || !url.startsWith('/api/')) copy.security = [];
      return { schema: copy, url } as never;
    },
    transformObject: (documentObject) => completeDocument((documentObject as { openapiObject: Json }).openapiObject) as never,
  };
}
