import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { freePort } from '../../test/support/embedded-postgres';

export interface ServerProcess {
  url: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in bytes; null when /proc is not there. */
  peakRss(): number | null;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Reads VmHWM (peak RSS) of a process from /proc. */
export function readPeakRss(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

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
 * Starts `node <script>` in its own process with `env` (plus PORT and HOST), output appended to `logFile`,
 * and waits until `/ready` answers. Returns once ready, with the time that took. `stop` sends SIGTERM and
 * waits for a clean exit (so that `--cpu-prof` profiles get written).
 */
export async function startServerProcess(
  script: string,
  env: Record<string, string>,
  logFile: string,
  nodeArgs: string[] = [],
): Promise<ServerProcess & { readyMs: number }> {
  const port = await freePort();
  const fd = openSync(logFile, 'a');
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, script], {
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
    peakRss: () => readPeakRss(pid),
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

/** CPU time (user + system) a process has used so far, in clock ticks (1/100 s on Linux); null without /proc. */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * Waits until every process has used under 5% of a core over `windowMs` (background work of the previous turn,
 * such as an outbox draining, must not run into the next target's turn). Gives up after `maxMs`. Returns how
 * long it waited and which process was busy last, with its share of a core.
 */
export async function settle(
  processes: Record<string, number>,
  windowMs = 500,
  maxMs = 30_000,
): Promise<{ waitedMs: number; busiest: string; share: number }> {
  const started = Date.now();
  const names = Object.keys(processes);
  let busiest = '';
  let share = 0;
  while (Date.now() - started < maxMs) {
    const before = names.map((n) => cpuTicks(processes[n]));
    await new Promise((r) => setTimeout(r, windowMs));
    const shares = names.map((n, i) => {
      const after = cpuTicks(processes[n]);
      return after === null || before[i] === null ? 0 : ((after - (before[i] as number)) * 10) / windowMs;
    });
    share = Math.max(...shares);
    busiest = names[shares.indexOf(share)];
    if (share < 0.05) break;
  }
  return { waitedMs: Date.now() - started, busiest, share };
}
