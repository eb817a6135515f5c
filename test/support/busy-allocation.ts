import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs `setup`, then allocates like a busy server in a node process of its own (each turn of the event loop makes
 * objects and keeps a rolling window of the last few hundred turns' for a while, so a good share survives its
 * first collection), then `finish`, which may read `largestMb`: the largest young generation seen, in MB. Resolves
 * with what the process wrote on stdout.
 */
export async function allocateLikeABusyServer(setup: string, finish: string, nodeOptions: string[] = []): Promise<string> {
  const script = `
    const { getHeapSpaceStatistics } = require('node:v8');
    ${setup}
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const window = [];
    let largest = 0;
    let turns = 0;
    (function turn() {
      for (let r = 0; r < 20; r++) {
        const request = [];
        for (let i = 0; i < 500; i++) request.push({ i, s: 'x' + i + r, pair: [i, r] });
        window.push(request);
        if (window.length > 400) window.shift();
      }
      largest = Math.max(largest, size());
      if (++turns < 400) return setImmediate(turn);
      const largestMb = largest / 1048576;
      ${finish}
    })();
  `;
  const { stdout } = await run(process.execPath, [...nodeOptions, '-e', script], { timeout: 30_000 });
  return stdout;
}
