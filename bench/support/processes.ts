import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import http from 'node:http';
import { freePort } from '../../test/support/embedded-postgres';

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** Polls `GET /ready` until 200; rejects when the process exits first or the deadline passes. */
export async function waitReady(url: string, child: ChildProcess, deadlineMs: number, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let exited: string | null = null;
  const onExit = (code: number | null, signal: string | null) => {
    exited = `exited with ${code ?? signal}`;
  };
  child.once('exit', onExit);
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(`server ${exited} before it was ready`);
      if ((await getStatus(`${url}/ready`)) === 200) return;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`server at ${url} was not ready within ${deadlineMs} ms`);
  } finally {
    child.off('exit', onExit);
  }
}

/**
 * Starts `node <script> <args>` in its own process with `env` (plus PORT and HOST), output appended to `logFile`,
 * and waits until `/ready` answers. Returns once ready, with the time that took. `stop` sends SIGTERM and
 * waits for a clean exit.
 */
export async function startServerProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
): Promise<ServerProcess & { readyMs: number }> {
  const port = await freePort();
  const fd = openSync(logFile, 'a');
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    children.delete(child);
    throw new Error(`${script}: ${error instanceof Error ? error.message : String(error)} (log: ${logFile})`);
  }
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
  const pid = child.pid as number;
  return {
    url,
    pid,
    readyMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          children.delete(child);
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          children.delete(child);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
