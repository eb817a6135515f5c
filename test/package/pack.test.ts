/**
 * The package as a consumer gets it: `npm pack` of a clean copy of the sources (which builds through `prepare`),
 * installed into a project outside this repository, then required from CommonJS and type-checked from TypeScript.
 *
 * The tarball is installed by npm itself, offline and without scripts; its dependencies are this repository's
 * installed ones, linked in beforehand, so that nothing is downloaded and better-sqlite3 is not compiled again.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const repo = resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false' } });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

function link(root: string, name: string): void {
  const at = join(root, 'node_modules', name);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(join(repo, 'node_modules', name), at, 'dir');
}

describe('the npm package', () => {
  let work: string;
  let consumer: string;
  let files: string[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'booking-service-pack-'));
    // Packed from a clean copy of the sources (no dist/): what ships is what `prepare` builds, and the repository's
    // own dist/ is left alone for the tests that run it. bench/, built too, uses test/support/.
    const source = join(work, 'source');
    mkdirSync(source);
    for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'src', 'migrations', 'bench', 'test/support']) {
      cpSync(join(repo, entry), join(source, entry), { recursive: true });
    }
    symlinkSync(join(repo, 'node_modules'), join(source, 'node_modules'), 'dir');
    const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], source)) as [{ filename: string; files: { path: string }[] }];
    files = packed[0].files.map((f) => f.path);
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies)) link(consumer, name);
    run(npm, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', join(work, packed[0].filename)], consumer);
    // For the type check only (after the install, which would prune what the consumer does not declare).
    link(consumer, '@types/node');
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled code, its declarations and the compiled migrations, and no sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli.js']));
    expect(files).toContain('dist/migrations/index.js');
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/') || f.endsWith('.map'))).toEqual([]);
  });

  it('declares, as dependencies with types, every module its declarations import', () => {
    const root = join(consumer, 'node_modules/booking-service');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
      for (const [, specifier] of readFileSync(join(root, file), 'utf8').matchAll(/from '([^'.][^']*)'|import\("([^".][^"]*)"\)/g)) {
        if (specifier && !specifier.startsWith('node:')) imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
    expect(imported.size).toBeGreaterThan(0);
    for (const name of imported) {
      expect({ name, declared: name in manifest.dependencies }).toEqual({ name, declared: true });
      // Resolved as TypeScript resolves it for a CommonJS consumer: to declarations, not to JavaScript.
      const resolved = ts.resolveModuleName(name, join(root, 'dist/src/index.d.ts'), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, ts.sys)
        .resolvedModule;
      const typed = resolved !== undefined && resolved.extension.startsWith('.d.');
      expect({ name, typed }).toEqual({ name, typed: true });
    }
  });

  it('works from CommonJS, silently, without touching globals', () => {
    writeFileSync(
      join(consumer, 'check.cjs'),
      `
const assert = require('node:assert');
const lib = require('booking-service');
assert.strictEqual(globalThis.Reflect.getMetadata, undefined, 'Reflect.getMetadata after require');
(async () => {
  const service = await lib.createService({ databaseUrl: 'sqlite::memory:' });
  const u = service.useCases;
  const provider = await u.createProvider.execute({ actor: lib.SYSTEM_ACTOR, name: 'Ada', email: 'ada@example.com', timezone: 'Europe/Berlin' });
  const booking = await u.createBooking.execute({ actor: lib.SYSTEM_ACTOR, providerId: provider.id, date: '2099-06-07', time: '09:00', durationMinutes: 30, customerEmail: 'c@example.com' });
  const read = await u.getBooking.execute({ actor: lib.SYSTEM_ACTOR, id: booking.id });
  assert.strictEqual(read.startsAt, Date.parse('2099-06-07T07:00:00Z'));
  await service.dispatcher.runOnce();
  await service.close();
  assert.strictEqual(globalThis.Reflect.getMetadata, undefined, 'Reflect.getMetadata after use');
  process.stderr.write('booked ' + booking.id + '\\n');
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    const stdout = execFileSync(process.execPath, ['check.cjs'], { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // The default logger is silent: a library prints nothing of its own (the email above went to that logger).
    expect(stdout).toBe('');
  });

  it('type-checks a TypeScript consumer that names the public types', () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: true }, files: ['consumer.ts'] }),
    );
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `
import { createService, SYSTEM_ACTOR, verifyWebhookSignature } from 'booking-service';
import type { BookingService, ServiceOptions, Mailer, BookingMail, Logger, DispatcherOptions, DatabaseHandle, WebhookSender, WebhookRequest, WebhookResult, Clock, Booking, Provider, BookingView, OutboxStats, TimeZones, KeyRevocations, Dispatcher } from 'booking-service';

const mails: BookingMail[] = [];
const mailer: Mailer = { send: async (mail) => { mails.push(mail); } };
const logger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dispatcher: DispatcherOptions = {};
const sender: WebhookSender = { send: async (_request: WebhookRequest): Promise<WebhookResult> => ({ delivered: true, statusCode: 200, error: null }) };
const options: ServiceOptions = { databaseUrl: 'sqlite::memory:', mailer, logger, dispatcher, webhookSender: sender };

export async function main(clock?: Clock): Promise<void> {
  const service: BookingService = await createService({ ...options, clock });
  const database: DatabaseHandle = service.database;
  const zones: TimeZones = service.zones;
  const revocations: KeyRevocations = service.keyRevocations;
  const running: Dispatcher = service.dispatcher;
  const stats: OutboxStats = await service.outboxStats();
  const provider: Provider = await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Ada', email: 'ada@example.com' });
  const booking: Booking = await service.useCases.getBooking.execute({ actor: SYSTEM_ACTOR, id: provider.id });
  const view: BookingView | undefined = undefined;
  const valid: boolean = verifyWebhookSignature(Buffer.from('{}'), 't=1,v1=00', ['a', 'b'], { toleranceSeconds: 60, now: new Date() });
  void [database, zones, revocations, running, stats, booking, view, valid];
  await service.close();
}
`,
    );
    run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], consumer);
  });
});
