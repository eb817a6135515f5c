/**
 * What a booking or a live hold takes on one provider: its span widened by the provider's buffers, on one of the
 * provider's `capacity` lanes. Occupancies on one lane never overlap (the database refuses it), and lanes run from 1
 * to the capacity, so at no instant do more than `capacity` occupancies of a provider overlap.
 */
export interface Occupancy {
  id: number;
  providerId: number;
  lane: number;
  blockStart: number;
  blockEnd: number;
  /** The real start of the booking or hold, for counting a provider's bookings of a day. */
  startsAt: number;
  bookingId: number | null;
  holdId: number | null;
  /** For a hold: the instant it stops occupying, whether or not anything has swept it yet. */
  expiresAt: number | null;
}

/** Where a new occupancy goes. */
export interface Placement {
  providerId: number;
  lane: number;
  blockStart: number;
  blockEnd: number;
}

/** An existing occupancy moved to another lane, so that a new one fits. */
export interface LaneChange {
  occupancyId: number;
  lane: number;
}

/** The widest widened span: 480 minutes of booking and 240 minutes of buffer on each side. */
export const MAX_BLOCK_MS = (480 + 240 + 240) * 60_000;

/** Holds occupy until they expire; bookings until they stop occupying altogether. */
export function isLive(o: Pick<Occupancy, 'expiresAt'>, now: number): boolean {
  return o.expiresAt === null || o.expiresAt > now;
}

/** The index of the first occupancy whose span could reach `from` (spans are sorted by start and at most MAX_BLOCK_MS long). */
export function firstReaching(sorted: readonly Pick<Occupancy, 'blockStart'>[], from: number): number {
  let lo = 0;
  let hi = sorted.length;
  const bound = from - MAX_BLOCK_MS;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid].blockStart <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the spans overlap at the busiest instant of `[from, to)`. */
export function peakOverlap(spans: readonly { blockStart: number; blockEnd: number }[], from: number, to: number): number {
  if (spans.length <= 1) return spans.length;
  const edges: [number, number][] = [];
  for (const s of spans) {
    edges.push([Math.max(s.blockStart, from), 1], [Math.min(s.blockEnd, to), -1]);
  }
  // At one instant an end comes before a start: spans are half-open.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let depth = 0;
  let peak = 0;
  for (const [, step] of edges) {
    depth += step;
    if (depth > peak) peak = depth;
  }
  return peak;
}

/**
 * Lanes for spans that overlap one another (a connected cluster), using as few lanes as the busiest instant from `now`
 * on needs: what runs at `now`, then what starts later in start order, takes the lowest lane that nothing overlapping it
 * holds. What has ended occupies nothing any more but still holds a lane that nothing overlapping it may share: from
 * the latest end back, it keeps its lane (`lane`) unless something overlapping now holds it, else takes the lowest free
 * one. Returns lanes by key.
 */
export function assignLanes<K>(spans: readonly { key: K; lane?: number; blockStart: number; blockEnd: number }[], now: number): Map<K, number> {
  const ahead = spans.filter((s) => s.blockEnd > now).sort((a, b) => Math.max(a.blockStart, now) - Math.max(b.blockStart, now) || a.blockStart - b.blockStart);
  const ended = spans.filter((s) => s.blockEnd <= now).sort((a, b) => b.blockEnd - a.blockEnd || b.blockStart - a.blockStart);
  const lanes = new Map<K, number>();
  const placed: { blockStart: number; blockEnd: number; lane: number }[] = [];
  for (const span of [...ahead, ...ended]) {
    const taken = new Set(placed.filter((p) => p.blockStart < span.blockEnd && span.blockStart < p.blockEnd).map((p) => p.lane));
    let lane = span.blockEnd <= now && span.lane !== undefined && !taken.has(span.lane) ? span.lane : 1;
    while (taken.has(lane)) lane++;
    lanes.set(span.key, lane);
    placed.push({ blockStart: span.blockStart, blockEnd: span.blockEnd, lane });
  }
  return lanes;
}

/** The spans connected to `[from, to)` through overlaps (the cluster a new span there would join), from a start-sorted list. */
export function clusterAround<T extends { blockStart: number; blockEnd: number }>(sorted: readonly T[], from: number, to: number): T[] {
  let lo = from;
  let hi = to;
  let members: T[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    members = sorted.filter((s) => s.blockStart < hi && s.blockEnd > lo);
    for (const s of members) {
      if (s.blockStart < lo) {
        lo = s.blockStart;
        grew = true;
      }
      if (s.blockEnd > hi) {
        hi = s.blockEnd;
        grew = true;
      }
    }
  }
  return members;
}
