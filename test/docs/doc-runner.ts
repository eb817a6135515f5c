import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN_KEY } from '../support/http-harness';
import { ServerProcess, spawnServer, waitUntilReady } from '../e2e/support/server-process';
import { fences, matchesAbridged } from './markdown';

// Runs the shell commands of a document as a reader would: its `sh` blocks, in order, in one bash session, against
// the built server on a new SQLite file. Conventions of the documents:
// - a block preceded by `<!-- walkthrough: skip -->` or `<!-- example: not run -->` is not run;
// - in the first block, the lines `BASE=...` and `KEY=...` are pointed at the server under test;
// - a block whose request ends in `# → NNN` must print NNN on its last line (the commands print the status after
//   the body); the `json` block right after it, if any, is the abridged answer: every field it shows must be in the
//   real answer with that value, arrays in full and in order;
// - a block without `# → NNN` must simply succeed (exit status 0).

const SKIP = /^<!-- (walkthrough: skip|example: not run) -->$/;
const DONE = '__doc_block_done__';

export interface Step {
  command: string;
  status: number | null;
  expected: unknown;
  /** 1-based line of the block in its file, for failure messages. */
  line: number;
}

/** The runnable steps of a Markdown text; `lineOffset` is added to the lines (the text's first line in its file, less one). */
export function stepsOf(text: string, lineOffset = 0): Step[] {
  const blocks = fences(text);
  const steps: Step[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.lang !== 'sh' || SKIP.test(block.before.trim())) continue;
    const line = lineOffset + block.line;
    const statuses = [...block.body.matchAll(/#\s*→\s*(\d{3})\s*$/gm)].map((m) => Number(m[1]));
    if (statuses.length > 1) throw new Error(`line ${line}: one request per block, please`);
    const next = blocks[i + 1];
    const expected = next && next.lang === 'json' ? JSON.parse(next.body) : undefined;
    if (expected !== undefined && statuses.length === 0) throw new Error(`line ${line}: an answer is shown, but no "# → <status>"`);
    steps.push({ command: block.body, status: statuses[0] ?? null, expected, line });
  }
  return steps;
}

/** One bash session: blocks run in it one after another, so variables set in one are there for the next. */
class Shell {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private waiter: (() => void) | null = null;

  constructor(cwd: string) {
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, LC_ALL: 'C.UTF-8' } });
    this.child.stdout.on('data', (d) => {
      this.out += d.toString();
      this.waiter?.();
    });
    this.child.stderr.on('data', (d) => (this.err += d.toString()));
  }

  /** Runs a block; resolves with what it printed and the exit status of its last command. */
  run(block: string, timeoutMs = 20_000): Promise<{ stdout: string; stderr: string; exit: number }> {
    this.out = '';
    this.err = '';
    this.child.stdin.write(`${block}\nprintf '\\n${DONE} %s\\n' "$?"\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms; printed so far:\n${this.out}\n${this.err}`)), timeoutMs);
      this.waiter = () => {
        const match = this.out.match(new RegExp(`\\n${DONE} (\\d+)\\n$`));
        if (!match) return;
        clearTimeout(timer);
        this.waiter = null;
        resolve({ stdout: this.out.slice(0, match.index), stderr: this.err, exit: Number(match[1]) });
      };
      this.waiter();
    });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

/** A fresh server and a bash session in a directory of their own. */
export class DocumentRun {
  private dir = '';
  private server?: ServerProcess;
  private shell?: Shell;

  async start(): Promise<void> {
    try {
      execFileSync('curl', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('the documents use curl, which is not installed here');
    }
    this.dir = mkdtempSync(join(tmpdir(), 'doc-run-'));
    this.server = await spawnServer(`sqlite:${join(this.dir, 'booking.db')}`);
    await waitUntilReady(this.server);
    this.shell = new Shell(this.dir);
  }

  async stop(): Promise<void> {
    this.shell?.close();
    await this.server?.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs the steps in order; the first that does not answer as shown fails the calling test. */
  async run(steps: Step[], file: string): Promise<void> {
    if (!this.server || !this.shell) throw new Error('start() first');
    const [first, ...rest] = steps;
    const setup = first.command.replace(/^BASE=.*$/m, `BASE=${this.server.url}`).replace(/^KEY=.*$/m, `KEY=${TEST_ADMIN_KEY}`);
    for (const step of [{ ...first, command: setup }, ...rest]) {
      const where = `${file} line ${step.line}:\n${step.command}`;
      const { stdout, stderr, exit } = await this.shell.run(step.command);
      expect({ where, exit, stderr }).toEqual({ where, exit: 0, stderr: '' });
      if (step.status === null) continue;
      const lines = stdout.replace(/\n+$/, '').split('\n');
      const status = Number(lines.pop());
      const body = lines.join('\n').trim();
      expect({ where, status, body: status === step.status ? '' : body }).toEqual({ where, status: step.status, body: '' });
      if (step.expected === undefined) {
        if (step.status === 204) expect({ where, body }).toEqual({ where, body: '' });
        continue;
      }
      const actual = JSON.parse(body);
      const mismatch = matchesAbridged(step.expected, actual);
      expect({ where, mismatch, actual: mismatch ? actual : undefined }).toEqual({ where, mismatch: null, actual: undefined });
    }
  }
}

/** Dates (YYYY-MM-DD) in the commands that are not after today: the documents must book ahead. */
export function datesNotAhead(steps: Step[]): string[] {
  const today = new Date().toISOString().slice(0, 10);
  return [...steps.map((s) => s.command).join('\n').matchAll(/\b(\d{4}-\d{2}-\d{2})\b/g)].map((m) => m[1]).filter((d) => d <= today);
}
