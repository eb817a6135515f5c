import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, TestApp } from '../support/http-harness';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const STALE = 'is stale: run `npm run openapi` and commit openapi.json and src/client/schema.ts';

/** openapi.json and src/client/schema.ts are committed artefacts of `npm run openapi`; redocly lints the document. */
describe('the committed OpenAPI document and client types', () => {
  let t: TestApp;
  let committed: string;
  let scratch: string;

  beforeAll(async () => {
    t = await createTestApp({ dialect: 'sqlite' });
    committed = await readFile(join(ROOT, 'openapi.json'), 'utf8');
    scratch = await mkdtemp(join(tmpdir(), 'openapi-artefact-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
    await t.close();
  });

  it('openapi.json is exactly the document the server serves', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const live = `${JSON.stringify(res.json(), null, 2)}\n`;
    if (live !== committed) throw new Error(`openapi.json ${STALE}`);
  });

  it('src/client/schema.ts is what openapi-typescript makes of openapi.json', async () => {
    const out = join(scratch, 'schema.ts');
    await run(bin('openapi-typescript'), [join(ROOT, 'openapi.json'), '--output', out], { cwd: ROOT });
    const generated = await readFile(out, 'utf8');
    const shipped = await readFile(join(ROOT, 'src', 'client', 'schema.ts'), 'utf8');
    if (generated !== shipped) throw new Error(`src/client/schema.ts ${STALE}`);
  });

  it('passes redocly lint (recommended rules, redocly.yaml) with no error and no warning', async () => {
    const { stdout } = await run(bin('redocly'), ['lint', 'openapi.json', '--config', 'redocly.yaml', '--format=json'], { cwd: ROOT }).catch(
      (failure: { stdout?: string }) => ({ stdout: failure.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
