import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type DialectName = 'sqlite' | 'postgres';

/** Every test that touches a database runs on each of these. */
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest (its global setup starts PostgreSQL)');
  return url;
}

/** A new, empty PostgreSQL database on the test server. */
export async function freshPostgresUrl(): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new SQLite database file (a file, not :memory:, so that several processes can share it). */
export function freshSqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-sqlite-')), 'test.db')}`;
}

export async function freshDatabaseUrl(dialect: DialectName): Promise<string> {
  return dialect === 'postgres' ? freshPostgresUrl() : freshSqliteUrl();
}
