import http from 'node:http';
import { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';

/**
 * Hostile requests to every route of the OpenAPI document, read at run time, over real sockets: each request is a
 * valid one derived from the route's schemas with one mutation. FUZZ_RUNS sets how many per database.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, any>;
type Path = (string | number)[];

interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
  example?: unknown;
}

interface Operation {
  method: string;
  path: string;
  params: Param[];
  body?: { schema: Schema; example?: Json };
  /** Statuses the operation documents as an HTML page (the customer's page), not the contract's JSON error. */
  htmlStatuses: string[];
}

interface Parts {
  path: Record<string, string>;
  query: [string, string][];
  /** Query text sent as is (already encoded), appended after `query`. */
  rawQuery: string;
  headers: Record<string, string>;
  body?: Json;
  /** Replaces the serialised body when set. */
  rawBody?: string;
  /** Pieces of JSON text that stand in for placeholders in the serialised body. */
  raw: Record<string, string>;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const MUTATIONS = [
  'none',
  'nul',
  'surrogate',
  'hugeNumber',
  'fraction',
  'wrongType',
  'protoKeys',
  'unknownFields',
  'longString',
  'badPathId',
  'badQuery',
  'deepNesting',
  'notObject',
  'missingRequired',
  'contentType',
  'badHeader',
] as const;
type Mutation = (typeof MUTATIONS)[number];

const pick = <T>(items: readonly T[], n: number): T => items[n % items.length];

function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const json = op.requestBody?.content?.['application/json'];
      out.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, required: !!p.required, schema: p.schema ?? {}, example: p.example })),
        body: json ? { schema: json.schema ?? {}, example: json.example } : undefined,
        htmlStatuses: Object.entries((op.responses ?? {}) as Record<string, any>)
          .filter(([, r]) => r.content?.['text/html'] !== undefined)
          .map(([status]) => status),
      });
    }
  }
  return out;
}

let uniqueCounter = 0;

/** A value the schema accepts, preferring its example; ids come from what exists, emails are unique. */
function validValue(schema: Schema, name: string, ids: (name: string) => number): Json {
  if (schema.example !== undefined) return adjust(structuredClone(schema.example), name, ids);
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf ?? schema.oneOf) return validValue((schema.anyOf ?? schema.oneOf)[0], name, ids);
  switch (schema.type) {
    case 'integer':
    case 'number':
      if (name === 'id' || name.endsWith('_id')) return ids(name);
      return Math.max(schema.minimum ?? 1, Math.min(schema.maximum ?? 30, 30));
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => validValue(schema.items ?? {}, name, ids));
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [key, child] of Object.entries<Schema>(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(key) || key.length % 2 === 0) out[key] = validValue(child, key, ids);
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') out.mon = validValue(schema.additionalProperties, 'mon', ids);
      return out;
    }
    default:
      if (schema.format === 'date-time') return '2030-01-01T00:00:00Z';
      if (/\\d\{4\}-/.test(schema.pattern ?? '')) return '2027-06-07';
      if (/:/.test(schema.pattern ?? '')) return '10:00';
      if (name.includes('email')) return `fuzz${++uniqueCounter}@example.com`;
      if (name === 'url') return 'https://example.com/hook';
      if (name === 'timezone') return 'Europe/Berlin';
      return 'x'.repeat(Math.max(1, Math.min(schema.minLength ?? 1, 16)));
  }
}

/** An example made fit to send again: ids that exist, emails not yet taken. */
function adjust(value: Json, name: string, ids: (name: string) => number): Json {
  if (Array.isArray(value)) return value.map((v) => adjust(v, name, ids));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, adjust(v, k, ids)]));
  }
  if (typeof value === 'number' && (name === 'id' || name.endsWith('_id'))) return ids(name);
  if (typeof value === 'string' && name.includes('email')) return `fuzz${++uniqueCounter}@example.com`;
  return value;
}

/** Every path to a leaf (a primitive, or an empty array or object) of `value`. */
function leaves(value: Json, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leaves(v, [...path, i])) : [path];
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length ? keys.flatMap((k) => leaves(value[k], [...path, k])) : [path];
  }
  return [path];
}

function getAt(value: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as any)?.[k] ?? null, value);
}

function setAt(value: Json, path: Path, replacement: Json): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as any;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key];
  target[path[path.length - 1]] = replacement;
  return copy;
}

function removeAt(value: Json, path: Path): Json {
  const copy = structuredClone(value) as any;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key];
  if (Array.isArray(target)) target.splice(Number(path[path.length - 1]), 1);
  else delete target[path[path.length - 1]];
  return copy;
}

function bodyText(parts: Parts): string | undefined {
  if (parts.rawBody !== undefined) return parts.rawBody;
  if (parts.body === undefined) return undefined;
  let text = JSON.stringify(parts.body);
  for (const [placeholder, raw] of Object.entries(parts.raw)) text = text.replace(JSON.stringify(placeholder), raw);
  return text;
}

function urlOf(op: Operation, parts: Parts): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => parts.path[name] ?? '1');
  const query = [
    ...parts.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
    ...(parts.rawQuery ? [parts.rawQuery] : []),
  ].join('&');
  return query ? `${path}?${query}` : path;
}

/** Where a mutation lands: a string, number or other leaf of the body, or a query parameter. */
function target(parts: Parts, op: Operation, n: number, wanted: (v: Json) => boolean): { in: 'body'; path: Path } | { in: 'query'; index: number } {
  if (parts.body !== undefined && parts.body !== null && typeof parts.body === 'object') {
    const all = leaves(parts.body).filter((p) => p.length > 0);
    const fitting = all.filter((p) => wanted(getAt(parts.body!, p)));
    const candidates = fitting.length ? fitting : all;
    if (candidates.length) return { in: 'body', path: pick(candidates, n) };
  }
  if (parts.query.length === 0) {
    const declared = op.params.filter((p) => p.in === 'query');
    parts.query.push([declared.length ? pick(declared, n).name : 'q', '1']);
  }
  return { in: 'query', index: n % parts.query.length };
}

const HUGE_NUMBERS = ['1e308', '-1e308', '1e400', '9007199254740993', '123456789012345678901234567890', '-0', '1e-400'];
const WRONG_TYPES: Json[] = [[], {}, true, false, null, '1', 1, [[]], { a: {} }, ''];
const BAD_IDS = ['0', '-1', 'abc', '1.5', '1e3', '99999999999999999999', '9007199254740992', '%00', '%2e%2e', '%ZZ', '%20', '1%20', 'x'.repeat(150), '%D9%A1', '0x1', 'null'];
const BAD_QUERY_VALUES = ['', ' ', 'null', 'undefined', '[]', '{}', '-1', '1.5', '1e400', '9'.repeat(30), 'x'.repeat(600), '2027-02-30', '25:00', 'all;drop', '<script>'];
const RAW_QUERIES = ['%ZZ=1', 'a=%ZZ', 'limit=1&limit=2', '__proto__[x]=1', 'constructor=1', '=1', '&&&', 'q=%ED%A0%80', 'q=%FF%FE'];
const NOT_OBJECTS = ['[]', '"x"', '1', 'null', 'true', '{', '{"a":', '', ' ', '\u0000', '[{"a":1}]', '{"a":1}{"b":2}', '\ufeff{}'];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/jsonx', 'multipart/form-data; boundary=x', ''];

/** Applies one mutation to a valid request; `a` and `b` choose where and how. */
function mutate(op: Operation, parts: Parts, mutation: Mutation, a: number, b: number): void {
  const onBody = op.body !== undefined && op.method !== 'GET';
  switch (mutation) {
    case 'none':
      return;
    case 'nul':
    case 'surrogate': {
      const where = target(parts, op, a, (v) => typeof v === 'string');
      const bad = mutation === 'nul' ? pick(['\u0000', 'a\u0000', '\u0000b'], b) : pick(['\ud800', 'a\udfff', '\udbff\udbff', '\udc00\ud800'], b);
      if (where.in === 'body') {
        const old = getAt(parts.body!, where.path);
        parts.body = setAt(parts.body!, where.path, typeof old === 'string' ? old + bad : bad);
      } else if (mutation === 'nul') {
        parts.query[where.index][1] += bad;
      } else {
        parts.rawQuery = pick(['q=%ED%A0%80', 'q=%ED%B0%80'], b);
      }
      return;
    }
    case 'hugeNumber':
    case 'fraction': {
      const where = target(parts, op, a, (v) => typeof v === 'number');
      const raw = mutation === 'hugeNumber' ? pick(HUGE_NUMBERS, b) : pick(['1.5', '0.5', '4.999999999', '30.000001', '-2.5'], b);
      if (where.in === 'body') {
        parts.raw.__RAW__ = raw;
        parts.body = setAt(parts.body!, where.path, '__RAW__');
      } else parts.query[where.index][1] = raw;
      return;
    }
    case 'wrongType': {
      const where = target(parts, op, a, () => true);
      if (where.in === 'body') parts.body = setAt(parts.body!, where.path, pick(WRONG_TYPES, b));
      else parts.query[where.index][1] = pick(['[]', 'true', '{}', 'a'], b);
      return;
    }
    case 'protoKeys': {
      const injected = pick(
        ['"__proto__": {"role": "admin", "admin": true}', '"constructor": {"prototype": {"admin": true}}', '"prototype": 1', '"__proto__": null', '"hasOwnProperty": 1'],
        b,
      );
      if (onBody && parts.body !== null && typeof parts.body === 'object' && !Array.isArray(parts.body)) {
        const text = JSON.stringify(parts.body);
        parts.rawBody = a % 2 === 0 || text === '{}' ? `{${injected}${text === '{}' ? '' : ','}${text.slice(1)}` : text.replace(/\{"([^"]+)":\{/, `{"$1":{${injected},`);
      } else parts.rawQuery = pick(['__proto__[admin]=1', 'constructor[prototype][admin]=1', '__proto__=1'], b);
      return;
    }
    case 'unknownFields': {
      const count = pick([1, 3, 50, 2000, 8000], b);
      if (onBody && parts.body !== null && typeof parts.body === 'object' && !Array.isArray(parts.body)) {
        const extra: Record<string, Json> = {};
        for (let i = 0; i < count; i++) extra[`u${i.toString(36)}`] = i % 3 === 0 ? 'x' : i;
        parts.body = { ...(parts.body as Record<string, Json>), ...extra };
      } else for (let i = 0; i < Math.min(count, 50); i++) parts.query.push([`u${i}`, '1']);
      return;
    }
    case 'longString': {
      const where = target(parts, op, a, (v) => typeof v === 'string');
      const length = pick([256, 513, 1001, 2049, 5000, 110_000], b);
      if (where.in === 'body') parts.body = setAt(parts.body!, where.path, 'é'.repeat(length));
      else parts.query[where.index][1] = 'x'.repeat(Math.min(length, 9000));
      return;
    }
    case 'badPathId': {
      const names = op.params.filter((p) => p.in === 'path').map((p) => p.name);
      if (names.length) parts.path[pick(names, a)] = pick(BAD_IDS, b);
      else parts.rawQuery = pick(RAW_QUERIES, b);
      return;
    }
    case 'badQuery': {
      const declared = op.params.filter((p) => p.in === 'query');
      if (declared.length && a % 3 !== 0) {
        const name = pick(declared, a).name;
        parts.query = parts.query.filter(([k]) => k !== name);
        parts.query.push([name, pick(BAD_QUERY_VALUES, b)]);
      } else parts.rawQuery = pick(RAW_QUERIES, b);
      return;
    }
    case 'deepNesting': {
      const depth = pick([100, 3000, 20_000], b);
      const nested = a % 2 === 0 ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      if (onBody && parts.body !== null && typeof parts.body === 'object') {
        const where = target(parts, op, a, () => true);
        if (where.in === 'body') {
          parts.raw.__RAW__ = nested;
          parts.body = setAt(parts.body!, where.path, '__RAW__');
          return;
        }
      }
      parts.query.push(['q', nested.slice(0, 3000)]);
      return;
    }
    case 'notObject':
      if (op.method === 'GET') parts.rawQuery = pick(RAW_QUERIES, b);
      else parts.rawBody = pick(NOT_OBJECTS, b);
      return;
    case 'missingRequired': {
      const schema = op.body?.schema;
      const required: string[] = schema?.required ?? [];
      if (onBody && parts.body !== null && typeof parts.body === 'object' && !Array.isArray(parts.body) && required.length) {
        const field = pick(required, a);
        parts.body = b % 3 === 0 ? removeAt(parts.body, [field]) : setAt(parts.body, [field], b % 3 === 1 ? null : '');
      } else {
        const requiredQuery = op.params.filter((p) => p.in === 'query' && p.required).map((p) => p.name);
        if (requiredQuery.length) parts.query = parts.query.filter(([k]) => k !== pick(requiredQuery, a));
        else parts.rawQuery = pick(RAW_QUERIES, b);
      }
      return;
    }
    case 'contentType': {
      const type = pick(CONTENT_TYPES, b);
      if (type) parts.headers['content-type'] = type;
      else delete parts.headers['content-type'];
      if (parts.body === undefined && parts.rawBody === undefined) parts.rawBody = a % 2 === 0 ? 'a=1' : '{}';
      return;
    }
    case 'badHeader':
      if (a % 2 === 0) parts.headers['idempotency-key'] = pick(['', 'k'.repeat(300), 'ünïcode', 'a\tb'], b);
      else parts.headers['if-match'] = pick(['"x"', '*', 'W/"1"', '"99999999999999999999"', '""', '"1", "2"', 'k'.repeat(300)], b);
      return;
  }
}

function send(agent: http.Agent, port: number, method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a DELETE's body without one, which the server rightly reads as a next request.
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers: { ...headers, ...length }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(DIALECTS)('schema-derived hostile requests to every route, over real sockets (%s)', (dialect) => {
  let t: TestApp;
  let port: number;
  let agent: http.Agent;
  let clientKey: string;
  let operations: Operation[];
  const ids = new Map<string, number[]>();

  const call = (method: string, url: string, key = t.adminKey, body?: unknown) =>
    send(agent, port, method, url, { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body === undefined ? undefined : JSON.stringify(body));

  /** Every page of a list, in order. */
  async function listAll(path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | null = path;
    for (let guard = 0; url && guard < 50; guard++) {
      const res = await call('GET', url);
      expect(res.status).toBe(200);
      const page = JSON.parse(res.text);
      items.push(...page.data);
      const sep = path.includes('?') ? '&' : '?';
      if (page.next_cursor) url = `${path}${sep}cursor=${encodeURIComponent(page.next_cursor)}`;
      else if (page.next_after !== undefined && page.data.length > 0) url = `${path.replace(/[?&]after=\d+/, '')}${sep}after=${page.next_after}`;
      else url = null;
    }
    return items;
  }

  /** What the API lists, as an admin sees it: a refused request must leave all of it as it was. */
  async function snapshot(): Promise<string> {
    const keys = (JSON.parse((await call('GET', '/api/v1/api-keys')).text).data as Record<string, unknown>[]).map(({ last_used_at: _u, ...k }) => k);
    const providers = await listAll('/api/v1/providers?limit=200');
    const schedules = [];
    for (const id of (ids.get('providers') ?? []).slice(0, 2)) schedules.push((await call('GET', `/api/v1/providers/${id}/schedule`)).text);
    return JSON.stringify({
      providers,
      schedules,
      bookings: await listAll('/api/v1/bookings?status=all&limit=200'),
      events: await listAll('/api/v1/events?limit=500'),
      webhooks: JSON.parse((await call('GET', '/api/v1/webhooks')).text).data,
      keys,
    });
  }

  beforeAll(async () => {
    t = await createTestApp({ dialect, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    for (const email of ['fuzz-a@example.com', 'fuzz-b@example.com']) expect((await call('POST', '/api/v1/providers', t.adminKey, { name: 'Fuzz', email })).status).toBe(201);
    await call('PUT', '/api/v1/providers/1/schedule', t.adminKey, { weekly: { mon: [['09:00', '17:00']] } });
    const client = JSON.parse((await call('POST', '/api/v1/api-keys', t.adminKey, { name: 'fuzz client', role: 'client' })).text);
    clientKey = client.key;
    // A key of its own for the fuzzer to revoke.
    expect((await call('POST', '/api/v1/api-keys', t.adminKey, { name: 'expendable', role: 'client' })).status).toBe(201);
    expect((await call('POST', '/api/v1/bookings', clientKey, { provider_id: 1, date: '2027-03-01', time: '10:00' })).status).toBe(201);
    expect((await call('POST', '/api/v1/webhooks', t.adminKey, { url: 'http://127.0.0.1:9/hook', events: ['booking.created'] })).status).toBe(201);
    const doc = JSON.parse((await send(agent, port, 'GET', '/openapi.json', {})).text);
    operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(20);
    // The ids each resource has now, for path ids and *_id fields.
    for (const resource of new Set(operations.map((op) => op.path.split('/')[3]).filter(Boolean))) {
      const res = await call('GET', `/api/v1/${resource}`);
      // The keys the test calls with are left out: revoking one would leave it blind to a layer.
      const usable = (x: { role?: string; name?: string }) => !(resource === 'api-keys' && (x.role === 'admin' || x.name === 'fuzz client'));
      if (res.status === 200) ids.set(resource, (JSON.parse(res.text).data as { id: number; role?: string; name?: string }[]).filter(usable).map((x) => x.id));
    }
  });
  afterAll(async () => {
    agent.destroy();
    await t.close();
  });

  it('answers no 5xx, resets no connection, words every error in the contract shape and changes nothing by a refusal', async () => {
    const idFor = (path: string) => (name: string) => {
      const resource = name === 'id' ? path.split('/')[3] : `${name.replace(/_id$/, '')}s`;
      return pick(ids.get(resource) ?? [1], uniqueCounter++);
    };
    const statuses = new Map<number, number>();
    const hitRoutes = new Set<string>();
    let before = await snapshot();
    let run = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...MUTATIONS),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'client', 'client', 'none', 'garbage'),
        async (mutation, a, b, who) => {
          const op = operations[run++ % operations.length];
          const ids = idFor(op.path);
          const parts: Parts = { path: {}, query: [], rawQuery: '', headers: {}, raw: {} };
          for (const p of op.params) {
            const value = p.example !== undefined ? p.example : validValue(p.schema, p.name, ids);
            if (p.in === 'path') parts.path[p.name] = String(value);
            else if (p.in === 'query' && (p.required || a % 2 === 0)) parts.query.push([p.name, String(value)]);
          }
          if (op.body && op.method !== 'GET') {
            parts.body = op.body.example !== undefined ? adjust(structuredClone(op.body.example), '', ids) : validValue(op.body.schema, '', ids);
            parts.headers['content-type'] = 'application/json';
          }
          mutate(op, parts, mutation, a, b);
          if (who === 'admin') parts.headers.authorization = `Bearer ${t.adminKey}`;
          if (who === 'client') parts.headers.authorization = `Bearer ${clientKey}`;
          if (who === 'garbage') parts.headers.authorization = pick(['Bearer bk_0000000000', 'Basic eDp5', 'Bearer', 'bearer  x y'], a);

          const url = urlOf(op, parts);
          const body = bodyText(parts);
          const label = `${op.method} ${url.slice(0, 200)} [${mutation}, ${who}] ${(body ?? '').slice(0, 200)}`;
          let res: Answer;
          try {
            res = await send(agent, port, op.method, url, parts.headers, body);
          } catch (error) {
            throw new Error(`connection failed (${(error as Error).message}) on ${label}`);
          }
          hitRoutes.add(`${op.method} ${op.path}`);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`${res.status} on ${label}: ${res.text.slice(0, 300)}`);

          if (res.status >= 400 && String(res.headers['content-type']).startsWith('text/html')) {
            // A page for people: only where documented, and the same plain page whatever was sent.
            expect({ label, status: res.status, html: op.htmlStatuses.includes(String(res.status)) }).toEqual({ label, status: res.status, html: true });
            expect(res.text).toContain('<h1>Not found</h1>');
            expect(res.text).not.toMatch(/\bat .+\.(js|ts):\d+|node_modules|SQLITE_|select |insert into|FST_ERR/i);
          } else if (res.status >= 400) {
            let payload: Record<string, unknown>;
            try {
              payload = JSON.parse(res.text);
            } catch {
              throw new Error(`${res.status} without a JSON body on ${label}: ${res.text.slice(0, 200)}`);
            }
            expect(Object.keys(payload).filter((k) => !['error', 'code', 'details'].includes(k))).toEqual([]);
            expect(typeof payload.error).toBe('string');
            expect(payload.code).toMatch(/^[A-Z_]+$/);
            expect(res.text).not.toMatch(/\bat .+\.(js|ts):\d+|node_modules|SQLITE_|select |insert into|FST_ERR/i);
            const pathIntact = mutation !== 'badPathId' || !op.params.some((p) => p.in === 'path');
            if ((mutation === 'nul' || (mutation === 'surrogate' && parts.rawQuery === '')) && who === 'admin' && pathIntact) {
              expect({ label, status: res.status, code: payload.code }).toEqual({ label, status: 400, code: 'VALIDATION_ERROR' });
              expect(payload.error).toMatch(/NUL|surrogate/);
            }
            const after = await snapshot();
            if (after !== before) {
              let at = 0;
              while (after[at] === before[at]) at++;
              const around = (text: string) => text.slice(Math.max(0, at - 150), at + 150);
              throw new Error(`a refused request (${res.status}) changed what the API lists: ${label}\nbefore: ${around(before)}\nafter:  ${around(after)}`);
            }
          } else {
            before = await snapshot();
          }
        },
      ),
      // No shrinking: each request changes the state the next one meets, so a shrunk case would not replay.
      { numRuns: RUNS, endOnFailure: true },
    );

    if (RUNS >= operations.length) expect([...hitRoutes].sort()).toEqual([...new Set(operations.map((op) => `${op.method} ${op.path}`))].sort());
    // The generator reached every layer: routing, auth, roles, validation, lookups and success.
    for (const status of [200, 400, 401, 403, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
