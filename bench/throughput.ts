import autocannon from 'autocannon';
import { addDays } from '../src/domain/local-date';
import { prng } from './support/data';

export type Load = 'POST' | 'GET';

export interface TurnResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  total: number;
  ok: number;
  statusCounts: Record<string, number>;
  errors: number;
  /** CPU time of the server process per answer, background work it caused included; null when unknown. */
  cpuMsPerRequest?: number | null;
}

export interface LoadOptions {
  url: string;
  apiKey: string;
  load: Load;
  providers: number;
  connections: number;
  durationSeconds: number;
  seed: number;
}

/** First day of the POST range: four years of dates, so that random slots rarely collide. */
export const POST_FIRST_DATE = '2030-01-01';
export const POST_DAYS = 4 * 365;
/** POSTs keep to 06:00-21:30 local: no daylight-saving gap or repeat is ever hit in the bench zones. */
const POST_FIRST_SLOT = 12;
const POST_SLOTS = 32;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** One autocannon turn against one target; the request sequence depends only on `seed`. */
export async function runTurn(options: LoadOptions): Promise<TurnResult> {
  const random = prng(options.seed);
  const pick = (n: number) => 1 + Math.floor(random() * n);
  const headers = { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };
  const request: autocannon.Request =
    options.load === 'POST'
      ? {
          method: 'POST',
          path: '/api/v1/bookings',
          headers,
          setupRequest: (req) => {
            const slot = POST_FIRST_SLOT + Math.floor(random() * POST_SLOTS);
            req.body = JSON.stringify({
              provider_id: pick(options.providers),
              date: addDays(POST_FIRST_DATE, Math.floor(random() * POST_DAYS)),
              time: `${pad(Math.floor(slot / 2))}:${slot % 2 ? '30' : '00'}`,
            });
            return req;
          },
        }
      : {
          method: 'GET',
          path: '/api/v1/bookings',
          headers: { authorization: headers.authorization },
          setupRequest: (req) => {
            req.path = `/api/v1/bookings?provider_id=${pick(options.providers)}&limit=50`;
            return req;
          },
        };
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [request],
  });
  const statusCounts: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = stat.count ?? 0;
  const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    reqPerSec: answered / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: answered + result.errors,
    ok: result['2xx'],
    statusCounts,
    errors: result.errors,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface LoadSummary {
  reqPerSec: number;
  p50: number;
  p99: number;
  okShare: number;
  statusCounts: Record<string, number>;
  errors: number;
  /** Median over the turns of the server's CPU ms per answer. */
  cpuMsPerRequest: number | null;
}

/** Medians of the turns' rates and latencies; the 2xx share and status counts over all turns together. */
export function summarize(turns: TurnResult[]): LoadSummary {
  const statusCounts: Record<string, number> = {};
  for (const t of turns) for (const [code, n] of Object.entries(t.statusCounts)) statusCounts[code] = (statusCounts[code] ?? 0) + n;
  const total = turns.reduce((s, t) => s + t.total, 0);
  const ok = turns.reduce((s, t) => s + t.ok, 0);
  return {
    reqPerSec: median(turns.map((t) => t.reqPerSec)),
    p50: median(turns.map((t) => t.p50)),
    p99: median(turns.map((t) => t.p99)),
    okShare: total ? ok / total : 0,
    statusCounts,
    errors: turns.reduce((s, t) => s + t.errors, 0),
    cpuMsPerRequest: turns.every((t) => typeof t.cpuMsPerRequest === 'number') ? median(turns.map((t) => t.cpuMsPerRequest as number)) : null,
  };
}
