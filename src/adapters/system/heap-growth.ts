import { setFlagsFromString } from 'node:v8';

/** What `applyHeapGrowth` settled on. */
export interface HeapGrowth {
  /** The percent in force, or null when V8 keeps its own growing factor. */
  percent: number | null;
  /** Where it came from. */
  source: 'config' | 'command line' | 'v8 default';
}

const FLAG = /^--heap[-_]growing[-_]percent(=(\d+))?$/;

/**
 * What `applyHeapGrowth` would do: a `--heap-growing-percent` on node's own command line wins (an operator's
 * choice); otherwise `percent` from the configuration, where 0 leaves V8's own heuristics.
 */
export function decideHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): HeapGrowth {
  for (let i = 0; i < execArgv.length; i++) {
    const match = FLAG.exec(execArgv[i]);
    if (!match) continue;
    const value = match[2] ?? execArgv[i + 1];
    return { percent: value !== undefined && /^\d+$/.test(value) ? Number(value) : null, source: 'command line' };
  }
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
