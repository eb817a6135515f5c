import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project's package.json, found upward from here (this file runs from `test/` under jest and `dist/test/` in the bench). */
function packageJsonPath(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'package.json');
    if (dirname(dir) === dir) throw new Error('package.json not found above ' + __dirname);
  }
}

/** The options `npm start` gives node: the `--` words between `node` and the script in package.json's start script. */
export function startNodeOptions(): string[] {
  const pkg = JSON.parse(readFileSync(packageJsonPath(), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  const options: string[] = [];
  for (const word of words.slice(words[0] === 'node' ? 1 : words.length)) {
    if (!word.startsWith('--')) break;
    options.push(word);
  }
  return options;
}
