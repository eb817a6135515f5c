/**
 * `npm run bench`: how query latency holds up from 10,000 to 1,000,000 bookings (scale), what the outbox costs per
 * email (dispatch), and start to ready on SQLite (ready), on SQLite and PostgreSQL. Throughput against a raw
 * baseline is measured by the shared `compare.sh` (BENCHMARKS.md). Prints tables; exits non-zero only when the
 * harness itself fails, never for a missed target.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DispatchResult, measureDispatch } from './dispatch';
import { loadDataset, measureDatasets, QUERY_LABELS, SCALE_QUERIES, ScaleResult, TARGET_QUERIES } from './scale';
import { DatabaseFactory, DatabaseKind } from './support/databases';
import { startServerProcess } from './support/processes';
import { median } from './support/stats';

// ------------------------------------------------------------------------------------------------ settings

function envNumber(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min} (got "${raw}")`);
  return value;
}

function envList<T extends string>(name: string, allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...allowed];
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((s) => !(allowed as readonly string[]).includes(s));
  if (bad.length || !list.length) throw new Error(`${name} must list some of ${allowed.join(', ')} (got "${raw}")`);
  return list as T[];
}

const PARTS = ['ready', 'dispatch', 'scale'] as const;
type Part = (typeof PARTS)[number];

/** The small dataset never has fewer bookings than this: the target provider's 1,600 fit in it whole. */
const MIN_SCALE_REF = 2000;

function settings() {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const scale = envNumber('BENCH_SCALE', quick ? 10_000 : 1_000_000, MIN_SCALE_REF);
  return {
    quick,
    scale,
    scaleRef: envNumber('BENCH_SCALE_REF', Math.min(10_000, Math.max(MIN_SCALE_REF, Math.round(scale / 10))), MIN_SCALE_REF),
    iterations: envNumber('BENCH_ITERATIONS', quick ? 50 : 200),
    readyRuns: envNumber('BENCH_READY_RUNS', quick ? 2 : 5),
    dispatchEmails: envNumber('BENCH_DISPATCH_EMAILS', quick ? 1000 : 4000),
    dispatchPasses: envNumber('BENCH_DISPATCH_PASSES', quick ? 1 : 3),
    databases: envList<DatabaseKind>('BENCH_DATABASES', ['sqlite', 'postgres']),
    parts: envList<Part>('BENCH_PARTS', PARTS),
  };
}

type Settings = ReturnType<typeof settings>;

const API_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
/** The server as `npm start` runs it: info logs (to a file here), the first admin key from the environment. */
const SERVICE_ENV = { LOG_LEVEL: 'info', BOOTSTRAP_ADMIN_KEY: API_KEY };
const SERVICE_SCRIPT = resolve(__dirname, '../src/cli.js');

const log = (line = '') => process.stdout.write(`${line}\n`);

// ------------------------------------------------------------------------------------------- start to ready

async function runStartToReady(factory: DatabaseFactory, s: Settings, workDir: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < s.readyRuns; i++) {
    const url = await factory.fresh('sqlite', 'ready');
    const server = await startServerProcess(SERVICE_SCRIPT, ['serve'], { ...SERVICE_ENV, DATABASE_URL: url }, join(workDir, 'service-ready.log'));
    times.push(server.readyMs);
    await server.stop();
  }
  return times;
}

// ---------------------------------------------------------------------------------------------------- report

function table(headers: string[], rows: string[][], rightFrom = 2): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const plural = (n: number, word: string) => `${fmt(n)} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
const short = (x: number) => (x >= 1_000_000 && x % 1_000_000 === 0 ? `${x / 1_000_000}M` : x >= 1000 && x % 1000 === 0 ? `${x / 1000}k` : String(x));

function scaleTable(pairs: { small: ScaleResult; large: ScaleResult }[]): string {
  const rows: string[][] = [];
  for (const { small, large } of pairs) {
    for (const q of SCALE_QUERIES) {
      const label = q === 'list, deep page' ? `${QUERY_LABELS[q]}: page ${small.deepPage} / page ${large.deepPage}` : QUERY_LABELS[q];
      rows.push([large.kind, label, fmt(small.medians[q], 2), fmt(large.medians[q], 2), ratio(large.medians[q], small.medians[q])]);
    }
  }
  const [first] = pairs;
  const small = short(first.small.bookings);
  const large = short(first.large.bookings);
  return table(['database', 'query (target provider)', `${small} ms`, `${large} ms`, `${large}/${small}`], rows);
}

interface Check {
  goal: string;
  measured: string;
  met: boolean | null;
}

function targetChecks(ready: number[], pairs: { small: ScaleResult; large: ScaleResult }[]): Check[] {
  const checks: Check[] = [];
  for (const { small, large } of pairs) {
    for (const q of TARGET_QUERIES) {
      const r = large.medians[q] / small.medians[q];
      checks.push({ goal: `${large.kind}: ${q} ${short(large.bookings)}/${short(small.bookings)} <= 1.5`, measured: r.toFixed(2), met: r <= 1.5 });
    }
    if (large.bookings >= 1_000_000) {
      const day = large.medians['availability, 1 day'];
      checks.push({ goal: `${large.kind}: one day of availability < 5 ms median at ${fmt(large.bookings)}`, measured: `${day.toFixed(2)} ms`, met: day < 5 });
    }
  }
  if (ready.length) {
    const m = median(ready);
    checks.push({ goal: 'sqlite: start to ready < 1 s (median)', measured: `${fmt(m)} ms`, met: m < 1000 });
  }
  return checks;
}

function machine(): string {
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // os.cpus() is close enough
  }
  return `${nproc} cores (nproc), ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`;
}

// ------------------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const s = settings();
  const workDir = mkdtempSync(join(tmpdir(), 'booking-bench-'));
  const factory = new DatabaseFactory(workDir);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping, cleaning up`);
      void factory.dispose().finally(() => process.exit(130));
    });
  }
  log(`booking-service benchmark${s.quick ? ' (BENCH_QUICK: a smoke run, not a measurement)' : ''}`);
  log(`machine: ${machine()}`);
  log(
    `settings: parts ${s.parts.join(', ')}; databases ${s.databases.join(', ')}; scale ${fmt(s.scale)} vs ${fmt(s.scaleRef)} bookings, ` +
      `${s.iterations} calls per query; dispatch ${plural(s.dispatchPasses, 'pass')} of ${fmt(s.dispatchEmails)}; ready ${plural(s.readyRuns, 'run')}`,
  );

  let ready: number[] = [];
  const dispatch: DispatchResult[] = [];
  const pairs: { small: ScaleResult; large: ScaleResult }[] = [];
  try {
    if (s.databases.includes('postgres') && s.parts.some((p) => p !== 'ready')) {
      await factory.postgresAdminUrl();
      log(`postgres: ${factory.describePostgres()} (a fresh database per part and dataset, dropped afterwards)`);
    }
    if (s.parts.includes('ready')) {
      log(`\n[start to ready] node dist/src/cli.js serve on a fresh SQLite file, ${plural(s.readyRuns, 'run')}`);
      ready = await runStartToReady(factory, s, workDir);
      log(`  ${ready.map((t) => `${fmt(t)} ms`).join(', ')}`);
    }
    if (s.parts.includes('dispatch')) {
      log(`\n[dispatch] bookings through the use cases, then one outbox pass emails them (to the log); ${plural(s.dispatchPasses, 'pass')} of ${fmt(s.dispatchEmails)}`);
      for (const kind of s.databases) dispatch.push(await measureDispatch(factory, kind, s.dispatchEmails, s.dispatchPasses, workDir));
    }
    if (s.parts.includes('scale')) {
      log(`\n[scale] bulk load, then the use cases in process (createService, admin actor), datasets taking turns`);
      for (const kind of s.databases) {
        const small = await loadDataset(factory, kind, s.scaleRef, log);
        const large = await loadDataset(factory, kind, s.scale, log);
        const [smallResult, largeResult] = await measureDatasets([small, large], s.iterations);
        pairs.push({ small: smallResult, large: largeResult });
      }
    }
  } finally {
    await factory.dispose().catch((error: unknown) => log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  log('');
  if (ready.length) log(`Start to ready (node dist/src/cli.js serve, SQLite, spawn until GET /ready is 200): median ${fmt(median(ready))} ms of ${ready.length}\n`);
  if (dispatch.length) {
    log(`Outbox dispatch (in process, one pass per ${fmt(s.dispatchEmails)} new bookings, each emailing its provider; median of ${plural(s.dispatchPasses, 'pass')} after a warm-up pass)`);
    log(table(['database', 'CPU µs per email', 'pass ms'], dispatch.map((d) => [d.kind, fmt(d.cpuMicrosPerEmail), fmt(d.wallMs)]), 1));
    log('');
  }
  if (pairs.length) {
    log(`Scale: median latency in process over ${s.iterations} calls; ${pairs.map((p) => `${p.large.kind} target provider ${fmt(p.small.targetBookings)} / ${fmt(p.large.targetBookings)} bookings`).join('; ')}`);
    log(scaleTable(pairs));
    log(`  load time: ${pairs.map((p) => `${p.large.kind} ${fmt(p.large.bookings)} in ${p.large.loadSeconds.toFixed(1)} s`).join(', ')}\n`);
  }
  const checks = targetChecks(ready, pairs);
  if (checks.length) {
    log('Targets (missed targets do not fail the run)');
    log(table(['goal', 'measured', 'result'], checks.map((c) => [c.goal, c.measured, c.met === null ? 'n/a' : c.met ? 'met' : 'MISSED']), 1));
  }

  const resultsDir = resolve(__dirname, '../../bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), settings: s, startToReadyMs: ready, dispatch, scale: pairs, checks }, null, 2));
  log(`\nresults: ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\nbenchmark harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
