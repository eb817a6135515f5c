import { FastifyInstance } from 'fastify';
import { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { TestApp } from '../support/http-harness';

export type Json = Record<string, any>;

/** The tables a refused request must leave untouched. */
const TABLES = ['providers', 'bookings', 'booking_events', 'idempotency_keys'] as const;

export async function countRows(t: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(t.service.database.db);
    counts[table] = Number(row.rows[0].n);
  }
  return counts;
}

/** A digest of every booking row as stored, to prove that a refused write changed nothing at all. */
export async function bookingRows(t: TestApp): Promise<unknown[]> {
  return t.service.database.db.selectFrom('bookings').selectAll().orderBy('id').execute();
}

/** Asserts the one error shape of the contract: exactly `{error, code, details?}`, no stack, SQL or path. */
export function expectErrorShape(res: LightMyRequestResponse, status: number, code: string): Json {
  expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status, body: { code } });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as Json;
  expect(typeof body.error).toBe('string');
  expect(body.error.length).toBeGreaterThan(0);
  for (const key of Object.keys(body)) expect(['error', 'code', 'details']).toContain(key);
  expect(res.body).not.toMatch(/\bat .+\.(js|ts):\d+|node_modules|\/src\/|\/dist\/|select |insert |update .* set|SQLITE_|syntax error/i);
  return body;
}

export async function post(t: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, headers: { ...t.headers(), ...headers }, payload: payload as any });
}

export async function patch(t: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'PATCH', url, headers: { ...t.headers(), ...headers }, payload: payload as any });
}

export async function get(t: TestApp, url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers: { authorization: t.headers().authorization, ...headers } });
}

export async function del(t: TestApp, url: string) {
  return t.app.inject({ method: 'DELETE', url, headers: { authorization: t.headers().authorization } });
}

let emailCounter = 0;

export async function createProvider(t: TestApp, fields: Json = {}): Promise<Json> {
  emailCounter += 1;
  const res = await post(t, '/api/v1/providers', { name: 'Dr. Ada Byron', email: `ada${emailCounter}@example.com`, ...fields });
  expect(res.statusCode).toBe(201);
  return res.json();
}

export async function book(t: TestApp, fields: Json, headers: Record<string, string> = {}): Promise<Json> {
  const res = await post(t, '/api/v1/bookings', fields, headers);
  if (res.statusCode !== 201) throw new Error(`booking failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A booking's 201 body as every later read shows it: without the manage token only the 201 carries. */
export function readView(created: Json): Json {
  const { manage_token: _token, ...view } = created;
  return view;
}

/**
 * The API key id the harness's admin key acts as, as the history shows it: looked up through the
 * key listing when the service has one, else null (in-process system actor).
 */
export async function adminActorId(t: TestApp): Promise<number | null> {
  const res = await get(t, '/api/v1/api-keys');
  if (res.statusCode !== 200) return null;
  const keys = (res.json() as Json).data as Json[];
  const admins = keys.filter((k) => k.role === 'admin');
  return admins.length === 1 ? admins[0].id : null;
}

/**
 * Every route the app serves, as `METHOD /path/{param}` (HEAD and OPTIONS left out), read from Fastify's own
 * route tree (`printRoutes`), so a route added anywhere, by any plugin, is seen.
 */
export function servedRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│   |    )*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join('').replace(/\/\//g, '/').replace(/:(\w+)/g, '{$1}');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD' && x !== 'OPTIONS')) routes.push(`${method} ${path}`);
  }
  return routes;
}
