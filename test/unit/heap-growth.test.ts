import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig } from '../../src/adapters/config/config';
import { decideHeapGrowth, decideYoungGeneration } from '../../src/adapters/system/heap-growth';
import { allocateLikeABusyServer } from '../support/busy-allocation';

const run = promisify(execFile);
const BUILT = join(__dirname, '..', '..', 'dist', 'src', 'adapters', 'system', 'heap-growth.js');

/** `name` defaults to `fallback`, takes each of `good` and refuses each of `bad` with a ConfigError naming it. */
async function expectIntegerSetting(name: 'HEAP_GROWING_PERCENT' | 'YOUNG_GENERATION_MB', fallback: number, good: number[], bad: string[]) {
  expect((await loadConfig({}))[name]).toBe(fallback);
  for (const value of good) expect((await loadConfig({ [name]: String(value) }))[name]).toBe(value);
  for (const value of bad) {
    const error = await loadConfig({ [name]: value }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  }
}

describe('HEAP_GROWING_PERCENT', () => {
  it('defaults to 100 and takes 0 to 1000', () => expectIntegerSetting('HEAP_GROWING_PERCENT', 100, [0, 250, 1000], ['-1', '1001', 'lots', '1.5']));

  it("uses the configured percent, 0 leaves V8's own, and node's command line wins", () => {
    expect(decideHeapGrowth(100, [])).toEqual({ percent: 100, source: 'config' });
    expect(decideHeapGrowth(0, [])).toEqual({ percent: null, source: 'v8 default' });
    expect(decideHeapGrowth(100, ['--enable-source-maps', '--heap-growing-percent=50'])).toEqual({ percent: 50, source: 'command line' });
    expect(decideHeapGrowth(100, ['--heap_growing_percent', '300'])).toEqual({ percent: 300, source: 'command line' });
    expect(decideHeapGrowth(0, ['--heap-growing-percent=20'])).toEqual({ percent: 20, source: 'command line' });
  });
});

describe('YOUNG_GENERATION_MB', () => {
  it('defaults to 16 and takes 0 to 1024', () => expectIntegerSetting('YOUNG_GENERATION_MB', 16, [0, 64, 1024], ['-1', '1025', 'small', '8.5']));

  it("uses the configured limit, 0 leaves V8's own, and semi-space flags on node's command line win", () => {
    expect(decideYoungGeneration(16, [])).toEqual({ limitMb: 16, source: 'config' });
    expect(decideYoungGeneration(0, ['--heap-growing-percent=50'])).toEqual({ limitMb: null, source: 'v8 default' });
    expect(decideYoungGeneration(16, ['--max-semi-space-size=4'])).toEqual({ limitMb: null, source: 'command line' });
    expect(decideYoungGeneration(16, ['--max_semi_space_size', '4'])).toEqual({ limitMb: null, source: 'command line' });
    expect(decideYoungGeneration(16, ['--semi-space-growth-factor=1'])).toEqual({ limitMb: null, source: 'command line' });
  });
});

describe('applyHeapGrowth, in a process of its own', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before this test`);
  });

  /**
   * Keeps about 40 MB live, forces a full collection, then keeps allocating objects it holds on to, one
   * chunk per turn of the event loop, until the next full (major) collection: the heap in use just before
   * it, over the heap left by the forced one, is the growth V8 allowed. It depends on the flag, not on how
   * busy the machine is (a peak taken under churn did).
   */
  async function growthBeforeFullCollection(percent: number): Promise<{ ratio: number; growth: unknown }> {
    const script = `
      const { PerformanceObserver, constants } = require('node:perf_hooks');
      const { applyHeapGrowth } = require(${JSON.stringify(BUILT)});
      const growth = applyHeapGrowth(${percent});
      const live = [];
      for (let i = 0; i < 500000; i++) live.push({ a: i, b: 'live' + i });
      require('node:v8').setFlagsFromString('--expose-gc');
      require('node:vm').runInNewContext('gc')();
      const base = process.memoryUsage().heapUsed;
      let seen = false;
      const observer = new PerformanceObserver((list) => {
        if (list.getEntries().some((e) => e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) seen = true;
      });
      observer.observe({ entryTypes: ['gc'] });
      const kept = [];
      let before = base;
      (function step() {
        if (seen || kept.length > 5000) {
          observer.disconnect();
          process.stdout.write(JSON.stringify({ ratio: seen ? before / base : null, growth, live: live.length }));
          return;
        }
        before = process.memoryUsage().heapUsed;
        const chunk = [];
        for (let i = 0; i < 2000; i++) chunk.push({ i, s: 'kept' + i });
        kept.push(chunk);
        setImmediate(step);
      })();
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
    return JSON.parse(stdout) as { ratio: number; growth: unknown };
  }

  it('sets how far the heap grows before the next full collection', async () => {
    const doubled = await growthBeforeFullCollection(100);
    const quadrupled = await growthBeforeFullCollection(300);
    const v8Default = await growthBeforeFullCollection(0);
    expect(doubled.growth).toEqual({ percent: 100, source: 'config' });
    expect(quadrupled.growth).toEqual({ percent: 300, source: 'config' });
    expect(v8Default.growth).toEqual({ percent: null, source: 'v8 default' });
    // 100%: the next full collection comes at about twice the live heap (seen 2.2-2.5, the young generation
    // and the chunk in flight on top); 300%: at about four times (seen 4.2-4.5).
    expect(doubled.ratio).toBeGreaterThan(1.8);
    expect(doubled.ratio).toBeLessThan(3);
    expect(quadrupled.ratio).toBeGreaterThan(doubled.ratio + 1);
  }, 60_000);

  /**
   * Allocates like a busy server (each turn of the event loop makes objects, and keeps a rolling window of
   * the last few hundred turns' for a while, so a good share survives its first collection) and reports the
   * largest young generation seen.
   */
  async function largestYoungGenerationMb(limitMb: number): Promise<{ largest: number; young: unknown }> {
    const stdout = await allocateLikeABusyServer(
      `const young = require(${JSON.stringify(BUILT)}).limitYoungGeneration(${limitMb});`,
      `young.stop();
       process.stdout.write(JSON.stringify({ largest: largestMb, young: { limitMb: young.limitMb, source: young.source } }));`,
    );
    return JSON.parse(stdout) as { largest: number; young: unknown };
  }

  it('keeps the young generation within its limit', async () => {
    const limited = await largestYoungGenerationMb(8);
    const v8Default = await largestYoungGenerationMb(0);
    expect(limited.young).toEqual({ limitMb: 8, source: 'config' });
    expect(v8Default.young).toEqual({ limitMb: null, source: 'v8 default' });
    expect(limited.largest).toBeLessThanOrEqual(8);
    // Left alone, V8 doubles it to its own ceiling under this load (32 MB seen).
    expect(v8Default.largest).toBeGreaterThan(16);
  }, 60_000);
});
