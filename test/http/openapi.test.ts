import SwaggerParser from '@apidevtools/swagger-parser';
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
});
