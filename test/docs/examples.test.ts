import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datesNotAhead, DocumentRun, stepsOf } from './doc-runner';

// docs/examples.md shows three set-ups as curl commands with their answers: this runs them, in order, against the
// built server on a fresh database and checks each answer (see doc-runner.ts).

const EXAMPLES = join(__dirname, '..', '..', 'docs', 'examples.md');

describe('docs/examples.md', () => {
  const steps = stepsOf(readFileSync(EXAMPLES, 'utf8'));
  const run = new DocumentRun();

  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('books only dates still ahead', () => {
    // The examples book in 2030 with a horizon of 3650 days: move their dates ahead when this fails.
    expect(datesNotAhead(steps)).toEqual([]);
    expect(steps.map((s) => s.status)).toEqual(expect.arrayContaining([201, 204, 404, 409]));
  });

  it('runs every command in order, each answering as shown', async () => {
    expect(steps.length).toBeGreaterThan(10);
    await run.run(steps, 'docs/examples.md');
  });
});
