import SwaggerParser from '@apidevtools/swagger-parser';
import { STATUS_BY_CODE } from '../../src/adapters/http/errors';
import { BOOKING_EVENT_TYPES } from '../../src/domain/booking';
import { servedRoutes } from './helpers';
import { createTestApp, TestApp } from '../support/http-harness';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
/** Served for the documentation itself, not part of the API it documents. */
const UNDOCUMENTED = [/^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/manage\/assets\//];


function operations(doc: Json): Array<{ key: string; path: string; op: Json }> {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op: op as Json })),
  );
}

/** True when `schema` is the one error shape: an object with string `error` and `code`, both required. */
function isErrorSchema(schema: Json | undefined): boolean {
  return (
    schema?.type === 'object' &&
    schema.properties?.error?.type === 'string' &&
    schema.properties?.code?.type === 'string' &&
    ['error', 'code'].every((f) => (schema.required ?? []).includes(f))
  );
}

function hasExample(media: Json | undefined): boolean {
  if (!media) return false;
  return media.example !== undefined || Object.keys(media.examples ?? {}).length > 0 || media.schema?.example !== undefined || (media.schema?.examples ?? []).length > 0;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  let served: string[];

  beforeAll(async () => {
    t = await createTestApp({ dialect: 'sqlite' });
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
    served = servedRoutes(t.app).filter((r) => !UNDOCUMENTED.some((re) => re.test(r.split(' ')[1])));
  });
  afterAll(() => t.close());

  it('is valid OpenAPI 3', async () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((api as Json).paths).toBeDefined();
  });

  it('documents every served route with every method: /api/v1, /health, /ready and /metrics', () => {
    expect(served).toEqual(expect.arrayContaining(['GET /health', 'GET /ready', 'GET /metrics', 'POST /api/v1/bookings', 'DELETE /api/v1/bookings/{id}']));
    expect(served.filter((r) => r.includes(' /api/v1/')).length).toBeGreaterThan(10);
    const documented = operations(doc).map((o) => o.key);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('documents no operation that is not served', () => {
    expect(operations(doc).map((o) => o.key).filter((k) => !served.includes(k))).toEqual([]);
  });

  it('gives every operation a summary, a tag and a success response', () => {
    for (const { key, op } of operations(doc)) {
      expect({ key, summary: typeof op.summary === 'string' && op.summary.length > 0 }).toEqual({ key, summary: true });
      expect({ key, tags: (op.tags ?? []).length > 0 }).toEqual({ key, tags: true });
      expect({ key, success: Object.keys(op.responses).some((s) => /^[23]\d\d$/.test(s)) }).toEqual({ key, success: true });
    }
  });

  it('declares the error responses of every operation, each with the one error schema', () => {
    const problems: string[] = [];
    for (const { key, path, op } of operations(doc)) {
      const statuses = Object.keys(op.responses);
      const required = ['500'];
      if (path.startsWith('/api/')) required.push('401', '429');
      if (path.includes('{')) required.push('400', '404');
      if (op.requestBody) required.push('400', '413', '415');
      for (const status of required) if (!statuses.includes(status)) problems.push(`${key}: no ${status} response`);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        // The customer's page answers people: its "not found" is a page too.
        if (path.startsWith('/manage/') && status === '404' && op.responses[status].content?.['text/html']) continue;
        const schema = op.responses[status].content?.['application/json']?.schema;
        if (!isErrorSchema(schema)) problems.push(`${key}: ${status} is not the error schema`);
        if (!op.responses[status].description) problems.push(`${key}: ${status} has no description`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every request body an example', () => {
    const bodies = operations(doc).filter(({ op }) => op.requestBody);
    expect(bodies.map((b) => b.key)).toEqual(expect.arrayContaining(['POST /api/v1/bookings', 'PATCH /api/v1/bookings/{id}', 'POST /api/v1/providers']));
    const missing = bodies.filter(({ op }) => !hasExample(op.requestBody.content?.['application/json'])).map((b) => b.key);
    expect(missing).toEqual([]);
  });

  it('secures /api/v1 operations with a bearer API key and leaves the operations endpoints open', () => {
    const schemes = (doc.components?.securitySchemes ?? {}) as Record<string, Json>;
    const bearer = Object.entries(schemes).find(([, s]) => s.type === 'http' && s.scheme === 'bearer');
    expect(bearer).toBeDefined();
    const name = bearer![0];
    for (const { key, path, op } of operations(doc)) {
      const security = (op.security ?? doc.security ?? []) as Json[];
      const needsKey = security.some((s) => name in s);
      const isPublic = ['/health', '/ready', '/metrics'].includes(path) || path.startsWith('/manage/');
      expect({ key, needsKey }).toEqual({ key, needsKey: !isPublic && !key.endsWith('/calendar.ics') ? true : needsKey });
      if (isPublic) expect({ key, needsKey }).toEqual({ key, needsKey: false });
    }
  });

  it('names every operation (operationId, unique), describes every tag, and gives a license and a contact', () => {
    const ids = operations(doc).map(({ key, op }) => ({ key, id: op.operationId }));
    expect(ids.filter((o) => typeof o.id !== 'string' || o.id === '')).toEqual([]);
    expect(new Set(ids.map((o) => o.id)).size).toBe(ids.length);
    expect((doc.tags as Json[]).filter((tag) => !tag.description)).toEqual([]);
    expect(doc.info.license).toMatchObject({ name: 'MIT', url: expect.stringMatching(/^https:/) });
    expect(doc.info.contact?.name).toEqual(expect.any(String));
  });

  it('names the shared shapes under components.schemas and refers to them instead of inlining copies', () => {
    const schemas = doc.components.schemas as Json;
    for (const name of ['Booking', 'CreatedBooking', 'Provider', 'Service', 'Hold', 'Schedule', 'Event', 'Webhook', 'Delivery', 'ApiKey', 'Series', 'Availability']) {
      expect({ name, defined: schemas[name]?.type === 'object' }).toEqual({ name, defined: true });
    }
    const ref = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content['application/json'].schema;
    expect(ref('/api/v1/bookings/{id}', 'get', '200')).toEqual({ $ref: '#/components/schemas/Booking' });
    expect(ref('/api/v1/bookings', 'post', '201')).toEqual({ $ref: '#/components/schemas/CreatedBooking' });
    expect(ref('/api/v1/providers/{id}', 'get', '200')).toEqual({ $ref: '#/components/schemas/Provider' });
    expect(schemas.Event.properties.booking).toEqual({ $ref: '#/components/schemas/Booking' });
    // No named shape is left inline anywhere in the paths.
    const inline: string[] = [];
    JSON.stringify(doc.paths, (key, value) => {
      if (key !== 'example' && value && typeof value === 'object' && typeof value.title === 'string' && typeof value.type === 'string') inline.push(value.title);
      return key === 'example' ? undefined : value;
    });
    expect(inline).toEqual([]);
  });

  it('lists per operation and status exactly the codes it answers, with a matching example and typed details', () => {
    const problems: string[] = [];
    for (const { key, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        const media = response.content?.['application/json'];
        if (Number(status) < 400 || !media) continue;
        const codes = media.schema.properties.code.enum as string[] | undefined;
        if (!codes?.length) {
          problems.push(`${key} ${status}: no code enum`);
          continue;
        }
        for (const code of codes) if (STATUS_BY_CODE[code] !== Number(status)) problems.push(`${key} ${status}: ${code} is a ${STATUS_BY_CODE[code]}`);
        if (!codes.includes(media.example?.code)) problems.push(`${key} ${status}: example code ${media.example?.code} not among ${codes.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    const codesOf = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content['application/json'].schema.properties.code.enum;
    expect(codesOf('/api/v1/bookings', 'post', '401')).toEqual(['UNAUTHENTICATED']);
    expect(doc.paths['/api/v1/bookings'].post.responses['401'].content['application/json'].example.code).toBe('UNAUTHENTICATED');
    expect(codesOf('/api/v1/bookings', 'post', '409')).toEqual(['SLOT_UNAVAILABLE', 'HOLD_EXPIRED', 'IDEMPOTENCY_KEY_IN_USE']);
    expect(codesOf('/api/v1/bookings/{id}', 'get', '404')).toEqual(['BOOKING_NOT_FOUND']);
    expect(codesOf('/api/v1/providers/{id}', 'patch', '409')).toEqual(['EMAIL_TAKEN', 'CAPACITY_IN_USE']);
    expect(doc.paths['/api/v1/providers'].get.responses['409']).toBeUndefined();
    const details = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content['application/json'].schema.properties.details;
    expect(details('/api/v1/bookings', 'post', '409')).toEqual({ $ref: '#/components/schemas/SlotUnavailableDetails' });
    expect(details('/api/v1/booking-series', 'post', '409')).toEqual({ $ref: '#/components/schemas/SeriesConflictDetails' });
    expect(details('/api/v1/bookings/{id}', 'patch', '412')).toEqual({ $ref: '#/components/schemas/VersionMismatchDetails' });
    expect(doc.components.schemas.SlotUnavailableDetails.properties).toHaveProperty('conflicting_booking_id');
    expect(doc.components.schemas.SlotUnavailableDetails.properties).toHaveProperty('pool');
  });

  it('declares the headers the service sends and the conditional and idempotency headers it reads', () => {
    const headersOf = (path: string, method: string, status: string) => Object.keys(doc.paths[path][method].responses[status].headers ?? {});
    const parametersOf = (path: string, method: string) => ((doc.paths[path][method].parameters ?? []) as Json[]).filter((p) => p.in === 'header').map((p) => p.name);
    for (const { key, path, op } of operations(doc)) {
      if (!path.startsWith('/api/')) continue;
      for (const status of Object.keys(op.responses)) {
        expect({ key, status, headers: headersOf(path, key.split(' ')[0].toLowerCase(), status) }).toEqual({
          key,
          status,
          headers: expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
        });
      }
      expect({ key, headers: Object.keys(op.responses['429'].headers) }).toEqual({ key, headers: expect.arrayContaining(['Retry-After']) });
      expect({ key, headers: Object.keys(op.responses['401'].headers) }).toEqual({ key, headers: expect.arrayContaining(['WWW-Authenticate']) });
    }
    expect(headersOf('/api/v1/bookings', 'post', '201')).toEqual(expect.arrayContaining(['Location', 'ETag', 'Cache-Control']));
    expect(headersOf('/api/v1/bookings/{id}', 'get', '200')).toContain('ETag');
    expect(headersOf('/api/v1/bookings/{id}', 'get', '304')).toContain('ETag');
    expect(headersOf('/api/v1/providers/{id}/availability', 'get', '200')).toEqual(expect.arrayContaining(['ETag', 'Cache-Control']));
    expect(headersOf('/api/v1/providers/{id}/calendar.ics', 'get', '304')).toEqual(expect.arrayContaining(['ETag', 'Cache-Control']));
    expect(headersOf('/api/v1/api-keys', 'post', '201')).toContain('Cache-Control');
    expect(parametersOf('/api/v1/bookings/{id}', 'get')).toContain('If-None-Match');
    expect(parametersOf('/api/v1/providers/{id}/availability', 'get')).toContain('If-None-Match');
    expect(parametersOf('/api/v1/services/{id}/availability', 'get')).toContain('If-None-Match');
    expect(parametersOf('/api/v1/providers/{id}/calendar.ics', 'get')).toContain('If-None-Match');
    expect(parametersOf('/api/v1/bookings/{id}', 'patch')).toContain('If-Match');
    expect(parametersOf('/api/v1/bookings', 'post')).toContain('Idempotency-Key');
    expect(parametersOf('/api/v1/booking-series', 'post')).toContain('Idempotency-Key');
  });

  it('declares the token alternatives: the calendar token on the feed, the manage token on a booking', () => {
    const schemes = doc.components.securitySchemes as Json;
    expect(schemes.calendarToken).toMatchObject({ type: 'apiKey', in: 'query', name: 'token' });
    expect(schemes.manageToken).toMatchObject({ type: 'apiKey', in: 'query', name: 'token' });
    expect(doc.paths['/api/v1/providers/{id}/calendar.ics'].get.security).toEqual([{ bearerAuth: [] }, { calendarToken: [] }]);
    for (const method of ['get', 'patch', 'delete']) expect(doc.paths['/api/v1/bookings/{id}'][method].security).toEqual([{ bearerAuth: [] }, { manageToken: [] }]);
    expect(doc.paths['/api/v1/bookings/{id}/history'].get.security).toBeUndefined();
  });

  it('describes webhook deliveries as a callback of POST /api/v1/webhooks: the event, signed', () => {
    const callbacks = doc.paths['/api/v1/webhooks'].post.callbacks as Json;
    const delivery = Object.values(Object.values(callbacks)[0] as Json)[0].post as Json;
    expect(delivery.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Event' });
    const headers = Object.fromEntries((delivery.parameters as Json[]).map((p) => [p.name, p]));
    expect(Object.keys(headers).sort()).toEqual(['X-Webhook-Event-Id', 'X-Webhook-Signature']);
    const signature = new RegExp(headers['X-Webhook-Signature'].schema.pattern);
    expect(signature.test(`t=1798200000,v1=${'a'.repeat(64)}`)).toBe(true);
    expect(signature.test(`t=1798200000,v1=${'a'.repeat(64)},v1=${'b'.repeat(64)}`)).toBe(true);
    expect(signature.test('v1=abc')).toBe(false);
  });

  it('gives event types, webhook event lists and schedule weekdays as enums', () => {
    const schemas = doc.components.schemas as Json;
    expect(schemas.Event.properties.type.enum).toEqual([...BOOKING_EVENT_TYPES]);
    expect(schemas.Webhook.properties.events.items.enum).toEqual([...BOOKING_EVENT_TYPES]);
    expect(doc.paths['/api/v1/webhooks'].post.requestBody.content['application/json'].schema.properties.events.items.enum).toEqual([...BOOKING_EVENT_TYPES]);
    const weekly = doc.paths['/api/v1/providers/{id}/schedule'].put.requestBody.content['application/json'].schema.properties.weekly;
    expect(Object.keys(weekly.properties)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    expect(weekly.additionalProperties).toBe(false);
    expect(Object.keys(schemas.Schedule.properties.weekly.properties)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });
});
