import { ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

interface Server {
  child: ChildProcess;
  url: string;
  stdout: () => string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/ready`).then((r) => r.ok).catch(() => false);
    if (ok) return { child, url, stdout: () => out };
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`server did not become ready: ${out}`);
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

const providers = (url: string, key: string) => fetch(`${url}/api/v1/providers`, { headers: { authorization: `Bearer ${key}` } });

describe('first start on an empty store', () => {
  it('generates one admin key, prints it once, and never again', async () => {
    const DATABASE_URL = await freshDatabaseUrl('sqlite');
    const first = await startServer({ DATABASE_URL });
    const key = /(bk_[A-Za-z0-9_-]{32,})/.exec(first.stdout())?.[1];
    try {
      expect(key).toBeDefined();
      expect((await providers(first.url, key!)).status).toBe(200);
    } finally {
      await stop(first);
    }
    const second = await startServer({ DATABASE_URL });
    try {
      expect(second.stdout()).not.toMatch(/bk_/);
      expect((await providers(second.url, key!)).status).toBe(200);
    } finally {
      await stop(second);
    }
  });

  it('uses BOOTSTRAP_ADMIN_KEY as the first admin key when set', async () => {
    const bootstrap = 'bootstrap-key-for-automation-123456';
    const server = await startServer({ DATABASE_URL: await freshDatabaseUrl('sqlite'), BOOTSTRAP_ADMIN_KEY: bootstrap });
    try {
      expect(server.stdout()).not.toMatch(/bk_/);
      expect((await providers(server.url, bootstrap)).status).toBe(200);
      expect((await providers(server.url, 'some-other-key-000000000000')).status).toBe(401);
    } finally {
      await stop(server);
    }
  });
});

describe.each(DIALECTS)('keys command line on %s', (dialect) => {
  it('creates, lists and revokes keys offline on the configured database', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: await freshDatabaseUrl(dialect), LOG_LEVEL: 'silent' };
    const admin = await run(process.execPath, [CLI, 'keys', 'create', '--name', 'ops admin', '--role', 'admin'], { env });
    const adminKey = /key:\s+(bk_\S+)/.exec(admin.stdout)?.[1];
    expect(adminKey).toBeDefined();
    const client = await run(process.execPath, [CLI, 'keys', 'create', '--name', 'kiosk'], { env });
    const clientId = /id:\s+(\d+)/.exec(client.stdout)?.[1];
    expect(client.stdout).toMatch(/role:\s+client/);

    const list = await run(process.execPath, [CLI, 'keys', 'list'], { env });
    expect(list.stdout).toContain('ops admin');
    expect(list.stdout).toContain('kiosk');
    expect(list.stdout).not.toContain(adminKey!);

    await run(process.execPath, [CLI, 'keys', 'revoke', clientId!], { env });
    expect((await run(process.execPath, [CLI, 'keys', 'list'], { env })).stdout).toMatch(/kiosk\t\S+\t-\t-\t\d{4}-/);

    // The last active admin key cannot be revoked, offline either.
    const adminId = /id:\s+(\d+)/.exec(admin.stdout)![1];
    await expect(run(process.execPath, [CLI, 'keys', 'revoke', adminId], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining('last active admin key'),
    });

    // A server on the same database accepts the key made offline.
    const server = await startServer({ DATABASE_URL: env.DATABASE_URL });
    try {
      expect((await providers(server.url, adminKey!)).status).toBe(200);
    } finally {
      await stop(server);
    }
  });
});
