/**
 * Checks on what a store really holds, independent of the service's own lane bookkeeping: how many occupying
 * bookings and live holds of a provider overlap at the busiest instant (a sweep over their spans, read from the
 * bookings and holds tables), and whether the occupancies the database guards agree with them.
 */

/** Runs one SQL query and returns its rows (a test's own connection). */
export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

export interface Span {
  start: number;
  end: number;
  /** What takes it: `b<id>` for a booking, `h<id>` for a hold. */
  owner: string;
}

/** The most spans that overlap at one instant (half-open spans: one ending where another starts do not overlap). */
export function peakOverlap(spans: readonly { start: number; end: number }[]): number {
  const edges: [number, number][] = [];
  for (const s of spans) edges.push([s.start, 1], [s.end, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let depth = 0;
  let peak = 0;
  for (const [, step] of edges) {
    depth += step;
    peak = Math.max(peak, depth);
  }
  return peak;
}

/** Buffers of a provider, in minutes (its spans are widened by them). */
export interface Buffers {
  before: number;
  after: number;
}

const n = (v: unknown) => Number(v);

/**
 * The spans of `providerId` that occupy at `now`, widened by its buffers: bookings that are active or pending (any of
 * whose `provider_ids` is the provider) and holds that are live and not expired.
 */
export async function occupyingSpans(query: Query, providerId: number, now: number, buffers: Buffers = { before: 0, after: 0 }): Promise<Span[]> {
  const widen = (start: number, end: number) => ({ start: start - buffers.before * 60_000, end: end + buffers.after * 60_000 });
  const bookings = await query(`select id, provider_ids, starts_at, ends_at from bookings where status in ('active', 'pending')`);
  const holds = await query(`select id, provider_ids, starts_at, ends_at from holds where status = 'live' and expires_at > ${now}`);
  const takes = (row: Record<string, unknown>) => (JSON.parse(String(row.provider_ids)) as number[]).includes(providerId);
  return [
    ...bookings.filter(takes).map((r) => ({ ...widen(n(r.starts_at), n(r.ends_at)), owner: `b${n(r.id)}` })),
    ...holds.filter(takes).map((r) => ({ ...widen(n(r.starts_at), n(r.ends_at)), owner: `h${n(r.id)}` })),
  ];
}

/** The busiest instant's count of occupying bookings and live holds of a provider. */
export async function storedPeak(query: Query, providerId: number, now: number, buffers?: Buffers): Promise<number> {
  return peakOverlap(await occupyingSpans(query, providerId, now, buffers));
}

/**
 * Everything wrong with the stored occupancies of `providerId` given its `capacity`: an occupying booking or live
 * hold without exactly one occupying occupancy of the provider, an occupying occupancy of something that no longer
 * occupies, a lane outside 1..capacity (expired holds excepted: they occupy nothing, and keep their lane until a
 * writer that needs it releases them), two occupying occupancies overlapping on one lane. Empty when all is well.
 */
export async function occupancyProblems(query: Query, providerId: number, capacity: number, now: number): Promise<string[]> {
  const problems: string[] = [];
  const rows = await query(`
    select o.id, o.lane, o.block_start, o.block_end, o.booking_id, o.hold_id, o.expires_at, b.status as booking_status, h.status as hold_status
      from occupancies o left join bookings b on b.id = o.booking_id left join holds h on h.id = o.hold_id
     where o.provider_id = ${providerId} and o.status = 'occupying'`);
  const spans = await occupyingSpans(query, providerId, now);
  const count = new Map<string, number>();
  for (const r of rows) {
    const owner = r.booking_id !== null ? `b${n(r.booking_id)}` : `h${n(r.hold_id)}`;
    count.set(owner, (count.get(owner) ?? 0) + 1);
    if (r.booking_id !== null && !['active', 'pending'].includes(String(r.booking_status))) problems.push(`${owner} is ${r.booking_status} but occupies`);
    if (r.hold_id !== null && r.hold_status !== 'live') problems.push(`${owner} is ${r.hold_status} but occupies`);
    const expiredHold = r.hold_id !== null && n(r.expires_at) <= now;
    if (!expiredHold && (n(r.lane) < 1 || n(r.lane) > capacity)) problems.push(`${owner} is on lane ${r.lane} of ${capacity}`);
  }
  for (const s of spans) if (count.get(s.owner) !== 1) problems.push(`${s.owner} occupies with ${count.get(s.owner) ?? 0} occupancies`);
  const sorted = [...rows].sort((a, b) => n(a.block_start) - n(b.block_start));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && n(sorted[j].block_start) < n(sorted[i].block_end); j++) {
      if (n(sorted[i].lane) === n(sorted[j].lane)) problems.push(`occupancies ${sorted[i].id} and ${sorted[j].id} overlap on lane ${sorted[i].lane}`);
    }
  }
  return problems;
}
