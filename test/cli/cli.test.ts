import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kysely, sql } from 'kysely';
import { migrations } from '../../migrations';
import { openDatabase } from '../../src/adapters/persistence/database';
import { DIALECTS, freshDatabaseUrl, freshSqliteUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';
import { TEST_ADMIN_KEY } from '../support/http-harness';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli.js');
const NAMES = Object.keys(migrations);
const IRREVERSIBLE = '0003_services_and_occupancies';
const LATEST = NAMES[NAMES.length - 1];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `migrate status` lines: [name, applied-at or null]. */
function statusOf(stdout: string): Array<[string, string | null]> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^(\S+)\s+(\S+)$/.exec(line.trim());
      if (!m) throw new Error(`unexpected status line: ${line}`);
      return [m[2], m[1] === 'pending' ? null : m[1]] as [string, string | null];
    });
}

async function recordedMigrations(url: string): Promise<string[]> {
  const handle = openDatabase(url);
  try {
    const db = handle.db as unknown as Kysely<any>;
    const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
    if (!tables.some((t) => t.name === 'kysely_migration')) return [];
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    return rows.rows.map((r) => r.name);
  } finally {
    await handle.close();
  }
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before this test`);
});

describe('--help', () => {
  it.each([
    [[], ['serve', 'migrate']],
    [['serve'], ['Start the HTTP API', 'DATABASE_URL', 'LOG_LEVEL']],
    [['migrate'], ['up', 'down', 'status']],
    [['migrate', 'up'], ['Apply every pending migration']],
    [['migrate', 'down'], ['Undo the latest migration']],
    [['migrate', 'status'], ['List migrations']],
  ])('booking-service %j --help describes the command', async (command, expected) => {
    const res = await cli([...command, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Usage: booking-service ${command.join(' ')}`.trim());
    for (const text of expected) expect(res.stdout).toContain(text);
  });

  it('refuses an unknown command', async () => {
    const res = await cli(['migrate', 'sideways']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/unknown command|error/i);
  });
});

describe.each(DIALECTS)('migrate on a fresh %s database', (dialect) => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabaseUrl(dialect);
  });

  it('status, up, up again, down, down again (refused: 0003 cannot be undone), up, status', async () => {
    const env = { DATABASE_URL: url };

    let res = await cli(['migrate', 'status'], env);
    expect(res.code).toBe(0);
    expect(statusOf(res.stdout)).toEqual(NAMES.map((n) => [n, null]));

    res = await cli(['migrate', 'up'], env);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual(NAMES.map((n) => `applied ${n}`));
    expect(await recordedMigrations(url)).toEqual(NAMES);

    res = await cli(['migrate', 'status'], env);
    const applied = statusOf(res.stdout);
    expect(applied.map(([n]) => n)).toEqual(NAMES);
    for (const [, at] of applied) expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    res = await cli(['migrate', 'up'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('already up to date');
    expect(res.stdout).not.toContain('applied');

    // The migrations after 0003 (delivery indexes, the key of manage links, webhook secret rotation) can be undone, latest first; bookings of
    // several providers, capacity and holds have no earlier form: that migration says so and stays.
    const reversible = NAMES.slice(NAMES.indexOf(IRREVERSIBLE) + 1);
    expect(reversible[reversible.length - 1]).toBe(LATEST);
    for (let i = reversible.length - 1; i >= 0; i--) {
      res = await cli(['migrate', 'down'], env);
      expect(res.code).toBe(0);
      expect(await recordedMigrations(url)).toEqual(NAMES.filter((n) => !reversible.slice(i).includes(n)));
    }
    res = await cli(['migrate', 'down'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${IRREVERSIBLE} cannot be undone`);
    expect(await recordedMigrations(url)).toEqual(NAMES.filter((n) => !reversible.includes(n)));
    res = await cli(['migrate', 'up'], env);
    expect(res.stdout.trim().split('\n')).toEqual(reversible.map((n) => `applied ${n}`));
    expect(await recordedMigrations(url)).toEqual(NAMES);

    res = await cli(['migrate', 'status'], env);
    expect(statusOf(res.stdout).every(([, at]) => at !== null)).toBe(true);
  });

  it('fails clearly on a bad DATABASE_URL', async () => {
    const res = await cli(['migrate', 'status'], { DATABASE_URL: 'mysql://nope' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('DATABASE_URL');
  });
});

describe('serve', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** Starts `serve` and resolves with its output once the ready line is out. */
  function serve(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('booking service ready')) resolve({ child, output: () => out, exited });
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready:\n${out}`)));
    });
  }

  it('starts the API on SQLite, writes JSON logs, answers, and stops on SIGTERM', async () => {
    const port = await freePort();
    const { child, output, exited } = await serve({
      DATABASE_URL: freshSqliteUrl(),
      PORT: String(port),
      HOST: '127.0.0.1',
      BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const providers = await fetch(`http://127.0.0.1:${port}/api/v1/providers`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(providers.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = output()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'booking service ready')).toMatchObject({
      url: `http://127.0.0.1:${port}`,
    });
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => l.route)).toEqual(['/health', '/api/v1/providers']);
    // Logs are written asynchronously: the line logged just before the process exits still gets out.
    expect(lines[lines.length - 1]).toMatchObject({ msg: 'shutting down: finishing in-flight requests', signal: 'SIGTERM' });
    expect(output()).not.toContain(TEST_ADMIN_KEY);
  });

  it('writes human-readable logs with NODE_ENV=development', async () => {
    const port = await freePort();
    const { child, output, exited } = await serve({
      DATABASE_URL: freshSqliteUrl(),
      PORT: String(port),
      BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      NODE_ENV: 'development',
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const ready = output()
      .split('\n')
      .find((l) => l.includes('booking service ready'))!;
    expect(() => JSON.parse(ready)).toThrow();
    expect(ready).toMatch(/INFO/);
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const res = await cli(['serve'], { PORT: 'not-a-port', DATABASE_URL: freshSqliteUrl() });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('PORT');
  });
});
