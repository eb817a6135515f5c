import { sql } from 'kysely';
import { TestApp } from '../support/http-harness';
import { Query } from '../support/occupancy-sweep';
import { Json, post } from './helpers';

/** A new client API key: its secret and its id. */
export async function clientKey(t: TestApp, name = 'client app'): Promise<{ key: string; id: number }> {
  const res = await post(t, '/api/v1/api-keys', { name, role: 'client' });
  expect(res.statusCode).toBe(201);
  return { key: res.json().key, id: res.json().id };
}

/** Headers of a JSON request made with `key`. */
export function as(t: TestApp, key: string): Record<string, string> {
  return t.headers(key);
}

export async function createService(t: TestApp, fields: Json): Promise<Json> {
  const res = await post(t, '/api/v1/services', { name: 'Service', duration_minutes: 30, ...fields });
  if (res.statusCode !== 201) throw new Error(`service: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function hold(t: TestApp, fields: Json, headers: Record<string, string> = {}): Promise<Json> {
  const res = await post(t, '/api/v1/holds', fields, headers);
  if (res.statusCode !== 201) throw new Error(`hold: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Raw SQL against the app's own database, to read what was really stored. */
export function queryOf(t: TestApp): Query {
  return async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(t.service.database.db)).rows;
}

/** Every table a refused request must leave untouched, as rows. */
export async function snapshot(t: TestApp): Promise<Record<string, unknown[]>> {
  const q = queryOf(t);
  const out: Record<string, unknown[]> = {};
  for (const table of ['providers', 'bookings', 'booking_events', 'occupancies', 'holds']) out[table] = await q(`select * from ${table} order by id`);
  return out;
}
