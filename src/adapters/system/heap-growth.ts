import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Where a memory setting in force came from. */
export type SettingSource = 'config' | 'command line' | 'v8 default';

/** What `applyHeapGrowth` settled on. */
export interface HeapGrowth {
  /** The percent in force, or null when V8 keeps its own growing factor. */
  percent: number | null;
  source: SettingSource;
}

/** What `limitYoungGeneration` settled on. */
export interface YoungGeneration {
  /** The young generation's ceiling in MB, or null when V8 keeps its own (32 MB on 64-bit Node 20). */
  limitMb: number | null;
  source: SettingSource;
}

/**
 * The value of the first of `names` (V8 flags, written with dashes; underscores also match) on node's command
 * line: `{ value }` (null when it has none that is a whole number), or undefined when none is there.
 */
function commandLineFlag(names: readonly string[], execArgv: readonly string[]): { value: number | null } | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const [flag, inline] = execArgv[i].split('=', 2);
    if (!names.includes(flag.replace(/_/g, '-'))) continue;
    const value = inline ?? execArgv[i + 1];
    return { value: value !== undefined && /^\d+$/.test(value) ? Number(value) : null };
  }
  return undefined;
}

/**
 * What `applyHeapGrowth` would do: a `--heap-growing-percent` on node's own command line wins (an operator's
 * choice); otherwise `percent` from the configuration, where 0 leaves V8's own heuristics.
 */
export function decideHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): HeapGrowth {
  const flag = commandLineFlag(['--heap-growing-percent'], execArgv);
  if (flag) return { percent: flag.value, source: 'command line' };
  return percent > 0 ? { percent, source: 'config' } : { percent: null, source: 'v8 default' };
}

/**
 * V8 lets the old generation grow to a multiple of the live heap before its next full collection, and picks
 * that multiple itself: under steady load it settles at its maximum, 4, so a process whose live heap is 30 MB
 * holds about 120 MB of old generation, most of it garbage waiting for the collector. `--heap-growing-percent`
 * fixes the growth instead (100: the next full collection comes when the old generation has doubled). The
 * server sets it at start, so every way of starting it (`npm start`, the image, `node dist/src/main.js`)
 * runs with the same memory ceiling; the flag is read at each collection, so setting it after start takes
 * effect from the next one.
 *
 * Sets it for this process (see `decideHeapGrowth`) and returns what is in force.
 */
export function applyHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): HeapGrowth {
  const decided = decideHeapGrowth(percent, execArgv);
  if (decided.source === 'config') setFlagsFromString(`--heap-growing-percent=${decided.percent}`);
  return decided;
}

/**
 * What `limitYoungGeneration` would do: a `--max-semi-space-size` or `--semi-space-growth-factor` on node's
 * own command line wins (the young generation is then the operator's); otherwise `limitMb` from the
 * configuration, where 0 leaves V8's own ceiling.
 */
export function decideYoungGeneration(limitMb: number, execArgv: readonly string[] = process.execArgv): YoungGeneration {
  const flag = commandLineFlag(['--max-semi-space-size', '--semi-space-growth-factor'], execArgv);
  if (flag) return { limitMb: null, source: 'command line' };
  return limitMb > 0 ? { limitMb, source: 'config' } : { limitMb: null, source: 'v8 default' };
}

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * V8's young generation (the two semi-spaces every new object starts in) starts small and doubles after
 * collections in which much survived, up to 32 MB on 64-bit Node 20; it shrinks again when the process idles.
 * Its ceiling (`--max-semi-space-size`) is read only when the process starts, but the doubling
 * (`--semi-space-growth-factor`) is read each time it grows. So after every collection this sets the factor
 * to 1 (no growth) once one more doubling would pass `limitMb`, and back to 2 when V8 has shrunk it below
 * that: the young generation stops at the largest doubling step within the limit (for 16: 16 MB, half of
 * V8's own ceiling), whichever way the server was started. Not once a worker thread runs (the SQLite
 * checkpointer's): V8 then grows it to its full ceiling all the same, so `npm start` sets the ceiling on node's
 * command line instead, which this then leaves alone.
 *
 * Starts watching for this process (see `decideYoungGeneration`); `stop` ends it (the factor stays as last
 * set). The watch is a `gc` performance observer: a few microseconds per collection.
 */
export function limitYoungGeneration(
  limitMb: number,
  execArgv: readonly string[] = process.execArgv,
): YoungGeneration & { stop: () => void } {
  const decided = decideYoungGeneration(limitMb, execArgv);
  if (decided.source !== 'config') return { ...decided, stop: () => undefined };
  const limit = limitMb * 1024 * 1024;
  let factor = 0;
  const settle = () => {
    const wanted = youngGenerationBytes() * 2 > limit ? 1 : 2;
    if (wanted === factor) return;
    factor = wanted;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  };
  settle();
  const observer = new PerformanceObserver(settle);
  observer.observe({ entryTypes: ['gc'] });
  return { ...decided, stop: () => observer.disconnect() };
}
