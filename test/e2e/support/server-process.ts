import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../../src/adapters/persistence/database';
import { freePort } from '../../support/embedded-postgres';
import { TEST_ADMIN_KEY } from '../../support/http-harness';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'src', 'cli.js');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Everything the process wrote to stderr and stdout, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it lingers; resolves with how it ended. */
  stop(): Promise<number | string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns `node dist/src/cli.js serve` on a free port; resolves once the child exists (see `waitUntilReady`). */
export async function spawnServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before the end-to-end tests`);
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      RATE_LIMIT_MAX: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    output: () => output,
    stop: async () => {
      if (!ended) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}

/** Polls `/ready` until it answers 200; fails if the process ends first. */
export async function waitUntilReady(server: ServerProcess, giveUpAfterMs = 60_000): Promise<void> {
  const deadline = Date.now() + giveUpAfterMs;
  let ended: number | string | undefined;
  void server.exited.then((how) => (ended = how));
  while (Date.now() < deadline) {
    if (ended !== undefined) throw new Error(`server exited (${ended}) before it was ready:\n${server.output()}`);
    try {
      const res = await fetch(`${server.url}/ready`);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(25);
  }
  throw new Error(`server not ready after ${giveUpAfterMs} ms:\n${server.output()}`);
}

export async function startServers(databaseUrl: string, count: number, env: Record<string, string> = {}): Promise<ServerProcess[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => spawnServer(databaseUrl, env)));
  try {
    await Promise.all(servers.map((s) => waitUntilReady(s)));
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return servers;
}

export interface ApiResponse {
  status: number;
  body: any;
}

/** A JSON request with the admin key, as any REST consumer sends it. */
export async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Runs one query on the database directly (a connection of its own), to check what was really stored. */
export async function queryDatabase<T>(databaseUrl: string, query: string): Promise<T[]> {
  const handle = openDatabase(databaseUrl, { poolSize: 1 });
  try {
    return (await sql.raw<T>(query).execute(handle.db)).rows;
  } finally {
    await handle.close();
  }
}

/** Pairs of active bookings of one provider whose spans overlap: must always be empty. */
/** Pairs of occupying bookings of one provider whose spans overlap (with capacity 1, there must be none). */
export const OVERLAPPING_ACTIVE_BOOKINGS = `
  select a.booking_id as a, b.booking_id as b from occupancies a join occupancies b
    on a.provider_id = b.provider_id and a.id < b.id
   and a.status = 'occupying' and b.status = 'occupying'
   and a.block_start < b.block_end and b.block_start < a.block_end`;
