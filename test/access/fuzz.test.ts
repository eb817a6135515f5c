import fc from 'fast-check';
import { sql } from 'kysely';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** Everything a refused request must leave untouched (idempotency records and key usage times excepted by design). */
async function fingerprint(t: TestApp): Promise<string> {
  const db = t.service.database.db;
  const parts: unknown[] = [];
  for (const [table, order] of [
    ['providers', 'id'],
    ['bookings', 'id'],
    ['booking_events', 'id'],
    ['schedules', 'provider_id'],
  ]) {
    parts.push((await sql`select * from ${sql.table(table)} order by ${sql.ref(order)}`.execute(db)).rows);
  }
  parts.push((await sql`select id, name, role, expires_at, revoked_at from api_keys order by id`.execute(db)).rows);
  return JSON.stringify(parts);
}

const hostileStrings = fc.oneof(
  fc.constantFrom(
    '1; DROP TABLE bookings',
    "' OR '1'='1",
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '\u0000',
    '𝓊𝓃𝒾𝒸ℴ𝒹ℯ',
    '9'.repeat(40),
    '-1',
    '0',
    '1e309',
    'NaN',
    '2027-02-30',
    '25:00',
    '14:30:15',
    'null',
    '__proto__',
    '{"a":1}',
    ' ',
    '',
  ),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
);

const jsonValue = fc.oneof(
  hostileStrings,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileStrings, { maxLength: 3 }),
);

const FIELDS = [
  'provider_id', 'date', 'time', 'duration_minutes', 'customer_name', 'customer_email', 'notes', 'name', 'email', 'timezone',
  'default_duration_minutes', 'weekly', 'exceptions', 'buffer_before_minutes', 'max_days_ahead', 'role', 'expires_at', 'url',
  'events', 'secret', '__proto__', 'constructor',
];

const bodyArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), jsonValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 3 }),
  hostileStrings,
  fc.constant('{"provider_id": 1, "date": "2027-12-25", "time": "14:30"'),
  fc.constant('{"__proto__": {"admin": true}}'),
  fc.constant(undefined),
);

const QUERY_KEYS = ['provider_id', 'from', 'to', 'status', 'limit', 'cursor', 'date', 'duration_minutes', 'after', 'token', 'x'];
const queryArb = fc.dictionary(fc.constantFrom(...QUERY_KEYS), hostileStrings, { maxKeys: 4 });

const pathIdArb = fc.oneof(fc.constantFrom('1', '2', '999999', '0', '-1', 'abc', '1.5', '%00', '1%3B%20DROP', '99999999999999999999'), fc.integer({ min: 1, max: 5 }).map(String));

const contentTypeArb = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', undefined);

describe.each(DIALECTS)('hostile input on every route (%s)', (dialect) => {
  let t: TestApp;
  let clientKey: string;
  let routes: { method: string; path: string }[];

  beforeAll(async () => {
    t = await createTestApp({ dialect });
    const h = t.headers();
    const provider = await t.app.inject({ method: 'POST', url: '/api/v1/providers', headers: h, payload: { name: 'Fuzz', email: `fuzz-${dialect}@example.com` } });
    await t.app.inject({ method: 'PUT', url: `/api/v1/providers/${provider.json().id}/schedule`, headers: h, payload: { weekly: { mon: [['09:00', '17:00']] } } });
    clientKey = (await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: h, payload: { name: 'fuzz client', role: 'client' } })).json().key;
    await t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: t.headers(clientKey), payload: { provider_id: provider.json().id, date: '2027-03-01', time: '10:00' } });
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(routes.length).toBeGreaterThan(15);
  });
  afterAll(() => t.close());

  it('never answers 500, always answers errors in the one shape, and refused requests change nothing', async () => {
    let before = await fingerprint(t);
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        pathIdArb,
        queryArb,
        bodyArb,
        contentTypeArb,
        fc.constantFrom('admin', 'client', 'none', 'garbage'),
        fc.option(hostileStrings, { nil: undefined }),
        fc.option(fc.oneof(hostileStrings, fc.constantFrom('"1"', '"2"', '*', 'W/"1"')), { nil: undefined }),
        async (routeIndex, id, query, body, contentType, who, idempotencyKey, ifMatch) => {
          const route = routes[routeIndex % routes.length];
          const url = route.path.replace(/\{[a-z_]+\}/g, id) + (Object.keys(query).length ? `?${new URLSearchParams(query)}` : '');
          const headers: Record<string, string> = {};
          if (who === 'admin') headers.authorization = `Bearer ${t.adminKey}`;
          if (who === 'client') headers.authorization = `Bearer ${clientKey}`;
          if (who === 'garbage') headers.authorization = `Bearer ${idempotencyKey ?? 'x'}`;
          if (contentType && body !== undefined) headers['content-type'] = contentType;
          if (idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(idempotencyKey)) headers['idempotency-key'] = idempotencyKey;
          if (ifMatch !== undefined && /^[\x20-\x7e]*$/.test(ifMatch)) headers['if-match'] = ifMatch;
          const res = await t.app.inject({ method: route.method as 'GET', url, headers, payload: route.method === 'GET' ? undefined : body });
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const payload = res.json();
            expect(Object.keys(payload).every((k) => ['error', 'code', 'details'].includes(k))).toBe(true);
            expect(typeof payload.error).toBe('string');
            expect(payload.code).toMatch(/^[A-Z_]+$/);
            expect(res.body).not.toMatch(/at .+\.(ts|js):\d+|SELECT |INSERT |sqlite|postgres/i);
            const after = await fingerprint(t);
            expect(after).toBe(before);
          } else {
            before = await fingerprint(t);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The generator reached every layer: routing, auth, roles, validation, lookups and success.
    for (const status of [200, 400, 401, 403, 404]) expect(seen.get(status) ?? 0).toBeGreaterThan(0);
  });
});
