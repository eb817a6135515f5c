/**
 * `npm run bench`: throughput of the service (production defaults) against a raw Fastify + driver baseline on
 * SQLite and PostgreSQL, start-to-ready on SQLite, and how query latency holds up at scale. Prints tables;
 * exits non-zero only when the harness itself fails, never for a missed target. See BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addDays } from '../src/domain/local-date';
import { DispatchResult, measureDispatch } from './dispatch';
import { loadDataset, measureDatasets, SCALE_QUERIES, ScaleResult, TARGET_QUERIES } from './scale';
import { BENCH_ZONES, BOOKING_COLUMNS, layoutRows, PROVIDER_COLUMNS, providerRow } from './support/data';
import { DatabaseFactory, DatabaseKind, kindOf, migrate, openBulkWriter } from './support/databases';
import { cpuTicks, settle, startServerProcess } from './support/processes';
import { Load, LoadSummary, median, POST_FIRST_DATE, runTurn, summarize, TurnResult } from './throughput';

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

const PARTS = ['throughput', 'ready', 'dispatch', 'scale'] as const;
type Part = (typeof PARTS)[number];

function settings() {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const scale = envNumber('BENCH_SCALE', quick ? 10_000 : 1_000_000, 100);
  return {
    quick,
    durationSeconds: envNumber('BENCH_DURATION', quick ? 3 : 10),
    warmupSeconds: envNumber('BENCH_WARMUP', quick ? 1 : 3, 0),
    rounds: envNumber('BENCH_ROUNDS', 2),
    connections: envNumber('BENCH_CONNECTIONS', 32),
    providers: envNumber('BENCH_PROVIDERS', 1000),
    seedPerProvider: envNumber('BENCH_GET_SEED', 60, 0),
    scale,
    scaleRef: envNumber('BENCH_SCALE_REF', Math.min(10_000, Math.max(100, Math.round(scale / 10))), 100),
    iterations: envNumber('BENCH_ITERATIONS', quick ? 50 : 200),
    readyRuns: envNumber('BENCH_READY_RUNS', 5),
    dispatchEmails: envNumber('BENCH_DISPATCH_EMAILS', quick ? 1000 : 4000),
    dispatchPasses: envNumber('BENCH_DISPATCH_PASSES', 3),
    /** A directory: the servers of the throughput part run with `node --cpu-prof` and write their profiles there. */
    cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null,
    databases: envList<DatabaseKind>('BENCH_DATABASES', ['sqlite', 'postgres']),
    parts: envList<Part>('BENCH_PARTS', PARTS),
  };
}

type Settings = ReturnType<typeof settings>;

const API_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
/** The service as in production: auth, validation, rate limiting (set high enough not to refuse the load), info logs to a file. */
const SERVICE_ENV = { LOG_LEVEL: 'info', RATE_LIMIT_MAX: '10000000', RATE_LIMIT_WINDOW_MS: '60000', BOOTSTRAP_ADMIN_KEY: API_KEY };
const SERVICE_SCRIPT = resolve(__dirname, '../src/cli.js');
const SERVICE_NODE_OPTIONS: string[] = [];
const RAW_SCRIPT = resolve(__dirname, 'raw-server.js');
/** Bookings seeded for the GET load sit before the POST range, one provider-day of 8 after another. */
const GET_SEED_FIRST_DATE = addDays(POST_FIRST_DATE, -365);

const log = (line = '') => process.stdout.write(`${line}\n`);

// ------------------------------------------------------------------------------------------------ throughput

type Target = 'service' | 'raw';

interface ThroughputRow {
  target: Target;
  kind: DatabaseKind;
  post: LoadSummary;
  get: LoadSummary;
  peakRss: number | null;
  logBytes: number;
}

async function seedForLoad(url: string, s: Settings): Promise<number> {
  await migrate(url);
  const writer = await openBulkWriter(url);
  const now = Date.now();
  try {
    const zones = Array.from({ length: s.providers }, (_, i) => BENCH_ZONES[i % BENCH_ZONES.length]);
    await writer.insert('providers', PROVIDER_COLUMNS, zones.map((z, i) => providerRow(i + 1, z, now)));
    const ids = (await writer.query<{ id: number }>('select id from providers order by id')).map((r) => Number(r.id));
    if (ids[0] !== 1 || ids[ids.length - 1] !== s.providers) throw new Error(`providers got ids ${ids[0]}..${ids[ids.length - 1]}, expected 1..${s.providers}`);
    const providers = ids.map((id, i) => ({ id, timezone: zones[i], count: s.seedPerProvider }));
    const n = await writer.insert('bookings', BOOKING_COLUMNS, layoutRows(providers, GET_SEED_FIRST_DATE, null, now));
    if (kindOf(url) === 'postgres') await writer.analyze();
    return n;
  } finally {
    await writer.close();
  }
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/** Both targets must accept the key, book, refuse a double booking and list with the same body shapes. */
async function checkTargets(urls: Record<Target, string>): Promise<void> {
  const shapes: Record<string, string> = {};
  for (const target of ['service', 'raw'] as const) {
    const url = urls[target];
    const booking = { provider_id: 2, date: addDays(POST_FIRST_DATE, -2), time: '12:00' };
    const created = await call(url, 'POST', '/api/v1/bookings', booking);
    if (created.status !== 201) throw new Error(`${target}: POST /api/v1/bookings answered ${created.status} ${JSON.stringify(created.json)}`);
    const again = await call(url, 'POST', '/api/v1/bookings', booking);
    if (again.status !== 409 || again.json.code !== 'SLOT_UNAVAILABLE') throw new Error(`${target}: a double booking answered ${again.status}`);
    const unauthenticated = await fetch(`${url}/api/v1/bookings?provider_id=1`);
    if (unauthenticated.status !== 401) throw new Error(`${target}: a request without a key answered ${unauthenticated.status}, expected 401`);
    const page = await call(url, 'GET', '/api/v1/bookings?provider_id=1&limit=50');
    if (page.status !== 200 || !Array.isArray(page.json.data)) throw new Error(`${target}: GET /api/v1/bookings answered ${page.status}`);
    const next = page.json.next_cursor ? await call(url, 'GET', `/api/v1/bookings?provider_id=1&limit=50&cursor=${page.json.next_cursor}`) : null;
    if (next && next.status !== 200) throw new Error(`${target}: following next_cursor answered ${next.status}`);
    shapes[target] = JSON.stringify({
      created: { ...created.json, created_at: 0, updated_at: 0 },
      conflict: again.json,
      page: Object.keys(page.json),
      item: Object.keys(page.json.data[0] ?? {}),
      first: page.json.data[0] && { ...page.json.data[0], created_at: 0, updated_at: 0 },
    });
  }
  if (shapes.service !== shapes.raw) {
    throw new Error(`the raw baseline's bodies differ from the service's:\n  service ${shapes.service}\n  raw     ${shapes.raw}`);
  }
}

async function runThroughput(factory: DatabaseFactory, kind: DatabaseKind, s: Settings, workDir: string): Promise<ThroughputRow[]> {
  log(`\n[throughput] ${kind}: seeding ${s.providers} providers and ${(s.providers * s.seedPerProvider).toLocaleString('en-US')} bookings per target`);
  const urls = { service: await factory.fresh(kind, 'service'), raw: await factory.fresh(kind, 'raw') };
  for (const target of ['service', 'raw'] as const) await seedForLoad(urls[target], s);
  const logs = { service: join(workDir, `service-${kind}.log`), raw: join(workDir, `raw-${kind}.log`) };
  const profile = (target: Target) => {
    if (!s.cpuProfDir) return [];
    mkdirSync(s.cpuProfDir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${s.cpuProfDir}`, `--cpu-prof-name=${target}-${kind}-${Date.now()}.cpuprofile`];
  };
  const servers = {
    service: await startServerProcess(SERVICE_SCRIPT, { ...SERVICE_ENV, DATABASE_URL: urls.service }, logs.service, [...SERVICE_NODE_OPTIONS, ...profile('service')]),
    raw: await startServerProcess(RAW_SCRIPT, { DATABASE_URL: urls.raw, BOOTSTRAP_ADMIN_KEY: API_KEY }, logs.raw, profile('raw')),
  };
  try {
    await checkTargets({ service: servers.service.url, raw: servers.raw.url });
    const quiet = async (when: string) => {
      const idle = await settle({ service: servers.service.pid, raw: servers.raw.pid });
      if (idle.waitedMs > 2_000) {
        const still = idle.share >= 0.05 ? `; gave up, ${idle.busiest} still at ${(idle.share * 100).toFixed(0)}% of a core` : `, ${idle.busiest} last`;
        log(`  (waited ${(idle.waitedMs / 1000).toFixed(1)} s ${when} for both servers to go idle${still})`);
      }
    };
    /** A turn between two quiet points; the server's CPU time over it (background work it caused included) per answer. */
    const turn = async (target: Target, load: Load, seed: number, durationSeconds: number) => {
      await quiet(`before ${target} ${load}`);
      const before = cpuTicks(servers[target].pid);
      const result = await runTurn({ url: servers[target].url, apiKey: API_KEY, load, providers: s.providers, connections: s.connections, durationSeconds, seed });
      await quiet(`after ${target} ${load}`);
      const after = cpuTicks(servers[target].pid);
      result.cpuMsPerRequest = before === null || after === null || !result.total ? null : ((after - before) * 10) / result.total;
      return result;
    };
    if (s.warmupSeconds > 0) {
      for (const load of ['POST', 'GET'] as const) for (const target of ['service', 'raw'] as const) await turn(target, load, 9_000 + (load === 'POST' ? 0 : 1), s.warmupSeconds);
    }
    const turns: Record<Target, Record<Load, TurnResult[]>> = { service: { POST: [], GET: [] }, raw: { POST: [], GET: [] } };
    for (let round = 1; round <= s.rounds; round++) {
      for (const load of ['POST', 'GET'] as const) {
        for (const target of ['service', 'raw'] as const) {
          const result = await turn(target, load, round * 10 + (load === 'POST' ? 0 : 1), s.durationSeconds);
          turns[target][load].push(result);
          log(
            `  round ${round} ${load.padEnd(4)} ${target.padEnd(7)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  ` +
              `2xx ${((result.ok / Math.max(1, result.total)) * 100).toFixed(1)}%  server CPU ${result.cpuMsPerRequest?.toFixed(2) ?? 'n/a'} ms/answer`,
          );
        }
      }
    }
    return (['service', 'raw'] as const).map((target) => ({
      target,
      kind,
      post: summarize(turns[target].POST),
      get: summarize(turns[target].GET),
      peakRss: servers[target].peakRss(),
      logBytes: statSync(logs[target]).size,
    }));
  } finally {
    await servers.service.stop();
    await servers.raw.stop();
  }
}

// ------------------------------------------------------------------------------------------- start to ready

async function runStartToReady(factory: DatabaseFactory, s: Settings, workDir: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < s.readyRuns; i++) {
    const url = await factory.fresh('sqlite', 'ready');
    const server = await startServerProcess(SERVICE_SCRIPT, { ...SERVICE_ENV, DATABASE_URL: url }, join(workDir, 'service-ready.log'), SERVICE_NODE_OPTIONS);
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

const OK_SHARE_FLOOR = 0.9;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number | null) => (bytes === null ? 'n/a' : fmt(bytes / 2 ** 20, 0));
const valid = (l: LoadSummary) => l.okShare >= OK_SHARE_FLOOR;
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? 'n/a' : (a / b).toFixed(2));

function loadCells(l: LoadSummary): string[] {
  const share = `${(l.okShare * 100).toFixed(1)}%`;
  if (!valid(l)) return ['FLAGGED', '-', '-', `${share} (<90%)`];
  return [fmt(l.reqPerSec), fmt(l.p50, 1), fmt(l.p99, 1), share];
}

function throughputTable(rows: ThroughputRow[]): string {
  const body = rows.map((row) => {
    const raw = rows.find((r) => r.kind === row.kind && r.target === 'raw')!;
    const both = (pick: (r: ThroughputRow) => LoadSummary) => valid(pick(row)) && valid(pick(raw));
    return [
      row.target,
      row.kind,
      ...loadCells(row.post),
      ...loadCells(row.get),
      mb(row.peakRss),
      both((r) => r.post) ? ratio(row.post.reqPerSec, raw.post.reqPerSec) : 'n/a',
      both((r) => r.get) ? ratio(row.get.reqPerSec, raw.get.reqPerSec) : 'n/a',
      both((r) => r.post) ? ratio(row.post.p99, raw.post.p99) : 'n/a',
      ratio(row.peakRss, raw.peakRss),
    ];
  });
  return table(
    [
      'target',
      'database',
      'POST req/s',
      'POST p50 ms',
      'POST p99 ms',
      'POST 2xx',
      'GET req/s',
      'GET p50 ms',
      'GET p99 ms',
      'GET 2xx',
      'peak RSS MB',
      'POST req/s ÷raw',
      'GET req/s ÷raw',
      'POST p99 ÷raw',
      'RSS ÷raw',
    ],
    body,
  );
}

function scaleTable(pairs: { small: ScaleResult; large: ScaleResult }[]): string {
  const rows: string[][] = [];
  for (const { small, large } of pairs) {
    for (const q of SCALE_QUERIES) {
      const label =
        q === 'deep page'
          ? `deep page (page ${small.deepPage} / page ${large.deepPage})`
          : q === 'create booking'
            ? 'create booking, after its last (extra)'
            : q;
      rows.push([large.kind, label, fmt(small.medians[q], 2), fmt(large.medians[q], 2), ratio(large.medians[q], small.medians[q])]);
    }
  }
  const [first] = pairs;
  const n = (x: number) => (x >= 1_000_000 && x % 1_000_000 === 0 ? `${x / 1_000_000}M` : x >= 1000 && x % 1000 === 0 ? `${x / 1000}k` : String(x));
  return table(
    ['database', 'query (target provider)', `${n(first.small.bookings)} ms`, `${n(first.large.bookings)} ms`, `${n(first.large.bookings)}/${n(first.small.bookings)}`],
    rows,
  );
}

interface Check {
  goal: string;
  measured: string;
  met: boolean | null;
}

function targetChecks(rows: ThroughputRow[], ready: number[], pairs: { small: ScaleResult; large: ScaleResult }[]): Check[] {
  const checks: Check[] = [];
  for (const kind of new Set(rows.map((r) => r.kind))) {
    const svc = rows.find((r) => r.kind === kind && r.target === 'service')!;
    const raw = rows.find((r) => r.kind === kind && r.target === 'raw')!;
    for (const load of ['post', 'get'] as const) {
      const ok = valid(svc[load]) && valid(raw[load]);
      const r = svc[load].reqPerSec / raw[load].reqPerSec;
      checks.push({ goal: `${kind}: ${load.toUpperCase()} req/s service/raw >= 0.8`, measured: ok ? r.toFixed(2) : 'flagged', met: ok ? r >= 0.8 : null });
    }
    const okPost = valid(svc.post) && valid(raw.post);
    const p99 = svc.post.p99 / raw.post.p99;
    checks.push({ goal: `${kind}: POST p99 <= 2x raw`, measured: okPost ? `${p99.toFixed(2)}x` : 'flagged', met: okPost ? p99 <= 2 : null });
    const rss = svc.peakRss !== null && raw.peakRss !== null ? svc.peakRss / raw.peakRss : null;
    checks.push({ goal: `${kind}: peak RSS <= 1.3x raw`, measured: rss === null ? 'n/a' : `${rss.toFixed(2)}x`, met: rss === null ? null : rss <= 1.3 });
  }
  for (const { small, large } of pairs) {
    for (const q of TARGET_QUERIES) {
      const r = large.medians[q] / small.medians[q];
      checks.push({ goal: `${large.kind}: ${q} ${large.bookings}/${small.bookings} <= 1.5`, measured: r.toFixed(2), met: r <= 1.5 });
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
    `settings: ${s.durationSeconds} s turns, ${s.rounds} rounds (A B A B), ${s.warmupSeconds} s warm-up, ${s.connections} connections, ` +
      `${s.providers} providers; scale ${fmt(s.scale)} vs ${fmt(s.scaleRef)} bookings, ${s.iterations} iterations; databases: ${s.databases.join(', ')}`,
  );
  log(`service: node ${SERVICE_NODE_OPTIONS.join(' ')} dist/src/main.js, LOG_LEVEL=info to a file, RATE_LIMIT_MAX=10000000 per 60 s (high enough not to refuse the load), Bearer admin key`);

  const rows: ThroughputRow[] = [];
  let ready: number[] = [];
  const dispatch: DispatchResult[] = [];
  const pairs: { small: ScaleResult; large: ScaleResult }[] = [];
  try {
    if (s.databases.includes('postgres')) log(`postgres: ${process.env.DATABASE_URL ? 'the server at DATABASE_URL (fresh databases)' : 'embedded, started for this run'}`);
    if (s.parts.includes('throughput')) for (const kind of s.databases) rows.push(...(await runThroughput(factory, kind, s, workDir)));
    if (s.parts.includes('ready')) {
      log(`\n[start to ready] service on a fresh SQLite file, ${s.readyRuns} runs`);
      ready = await runStartToReady(factory, s, workDir);
      log(`  ${ready.map((t) => `${fmt(t)} ms`).join(', ')}`);
    }
    if (s.parts.includes('dispatch')) {
      log(`\n[dispatch] bookings through the use cases, then one outbox pass emails them (to the log); ${s.dispatchPasses} passes of ${fmt(s.dispatchEmails)}`);
      for (const kind of s.databases) dispatch.push(await measureDispatch(factory, kind, s.dispatchEmails, s.dispatchPasses, workDir));
    }
    if (s.parts.includes('scale')) {
      log(`\n[scale] bulk load, then the use cases in process (createService from dist/src/main.js, admin actor), datasets taking turns`);
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
  if (rows.length) {
    log(`Throughput: ${s.connections} connections, median of ${s.rounds} turns of ${s.durationSeconds} s per cell; runs under 90% 2xx are FLAGGED, not speeds`);
    log(throughputTable(rows));
    for (const row of rows) {
      for (const load of ['post', 'get'] as const) {
        const l = row[load];
        const codes = Object.entries(l.statusCounts).map(([c, n]) => `${c}: ${fmt(n)}`).join(', ');
        const cpu = l.cpuMsPerRequest === null ? '' : `; server CPU ${l.cpuMsPerRequest.toFixed(2)} ms per answer`;
        log(`  ${row.target} ${row.kind} ${load.toUpperCase()}: ${codes}${l.errors ? `, connection errors: ${fmt(l.errors)}` : ''}${cpu}`);
      }
      log(`  ${row.target} ${row.kind}: log ${fmt(row.logBytes / 2 ** 20, 1)} MB`);
    }
    log('');
  }
  if (ready.length) log(`Start to ready (service, SQLite, spawn until GET /ready is 200): median ${fmt(median(ready))} ms of ${ready.length}\n`);
  if (dispatch.length) {
    log(`Outbox dispatch (in process, one pass per ${fmt(s.dispatchEmails)} new bookings, each emailing its provider; medians of ${s.dispatchPasses} passes)`);
    log(table(['database', 'CPU µs per email', 'pass ms'], dispatch.map((d) => [d.kind, fmt(d.cpuMicrosPerEmail), fmt(d.wallMs)]), 1));
    log('');
  }
  if (pairs.length) {
    log(`Scale: median latency in process over ${s.iterations} calls; ${pairs.map((p) => `${p.large.kind} target provider ${fmt(p.small.targetBookings)} / ${fmt(p.large.targetBookings)} bookings`).join('; ')}`);
    log(scaleTable(pairs));
    log(`  load time: ${pairs.map((p) => `${p.large.kind} ${fmt(p.large.bookings)} in ${p.large.loadSeconds.toFixed(1)} s`).join(', ')}\n`);
  }
  const checks = targetChecks(rows, ready, pairs);
  if (checks.length) {
    log('Targets (missed targets do not fail the run)');
    log(table(['goal', 'measured', 'result'], checks.map((c) => [c.goal, c.measured, c.met === null ? 'n/a' : c.met ? 'met' : 'MISSED']), 1));
  }

  const resultsDir = resolve(__dirname, '../../bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), settings: s, throughput: rows, startToReadyMs: ready, dispatch, scale: pairs, checks }, null, 2));
  log(`\nresults: ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\nbenchmark harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
