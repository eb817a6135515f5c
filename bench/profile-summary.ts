/**
 * Summarises V8 CPU profiles of a server run with `node --cpu-prof` (BENCHMARKS.md, "Profiles"):
 * `node dist/bench/profile-summary.js <file.cpuprofile>...` prints self time by package and the top functions.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `pg`, `fastify`, `kysely`... for code under node_modules; `project` for our own code; else the node internals. */
function packageOf(url: string): string {
  if (!url) return '(native/idle/gc)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/src/')) return 'project src';
  if (url.includes('/dist/bench/')) return 'project bench';
  return 'other';
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const sampled = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
  // Shares are of the busy time: idle time depends on how long the harness waited, not on the server.
  const total = sampled - idle;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    if (name === '(program)' || name === '(garbage collector)') {
      byPackage.set(name, (byPackage.get(name) ?? 0) + micros);
      byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
      continue;
    }
    const pkg = packageOf(node.callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const key = `${name} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${basename(file)}: ${(sampled / 1e6).toFixed(1)} s sampled, ${(total / 1e6).toFixed(1)} s busy; shares below are of the busy time`);
  console.log('  self time by package:');
  for (const [pkg, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(v)}  ${pkg}`);
  console.log(`  top ${top} functions by self time:`);
  for (const [fn, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${fn}`);

  // Inclusive time of the project's own functions (each counted once per stack, however deep it recurses).
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    let sum = self.get(id) ?? 0;
    const url = node.callFrame.url;
    const key = url.includes('/dist/src/') ? `${node.callFrame.functionName || '(anonymous)'} ${url.replace(/^.*\/dist\//, 'dist/')}:${node.callFrame.lineNumber + 1}` : null;
    const fresh = key !== null && !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    }
    return sum;
  };
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  for (const root of profile.nodes.filter((n) => !childIds.has(n.id))) walk(root.id, new Set());
  console.log(`  top ${top} project functions by inclusive time:`);
  for (const [fn, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${fn}`);
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile>...');
  process.exit(2);
}
for (const file of files) summarise(file, Number(process.env.TOP ?? 25));
