import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datesNotAhead, DocumentRun, stepsOf } from './doc-runner';
import { section } from './markdown';

// The README's walkthrough promises that every command in it works, in order, on a fresh start: this runs the `sh`
// blocks of its "## Walkthrough" section against the built server and checks each answer (see doc-runner.ts).

const README = join(__dirname, '..', '..', 'README.md');

describe('README walkthrough', () => {
  const { text, firstLine } = section(readFileSync(README, 'utf8'), 'Walkthrough');
  const steps = stepsOf(text, firstLine);
  const run = new DocumentRun();

  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('covers what a newcomer needs, on dates still ahead', () => {
    // The walkthrough books in 2030 with a horizon of 3650 days: move its dates ahead when this fails.
    expect(datesNotAhead(steps)).toEqual([]);
    const all = steps.map((s) => s.command).join('\n');
    expect(steps[0].command).toMatch(/^BASE=http:\/\/127\.0\.0\.1:3000$/m);
    expect(steps[0].command).toMatch(/^KEY=/m);
    for (const [what, pattern] of [
      ['create a provider', /-X POST "\$BASE\/api\/v1\/providers"/],
      ['set its schedule', /-X PUT "\$BASE\/api\/v1\/providers\/\d+\/schedule"/],
      ['read availability', /"\$BASE\/api\/v1\/providers\/\d+\/availability\?/],
      ['book', /-X POST "\$BASE\/api\/v1\/bookings"/],
      ['reschedule with If-Match', /-X PATCH "\$BASE\/api\/v1\/bookings\/\d+" -H 'If-Match: "\d+"'/],
      ['cancel', /-X DELETE "\$BASE\/api\/v1\/bookings\/\d+"/],
      ['read the events feed', /"\$BASE\/api\/v1\/events\?after=0"/],
      ['create a service', /-X POST "\$BASE\/api\/v1\/services"/],
      ['book a service', /"service_id": \d+/],
    ] as const) {
      expect({ what, found: pattern.test(all) }).toEqual({ what, found: true });
    }
    expect(steps.map((s) => s.status)).toEqual(expect.arrayContaining([201, 409, 412, 204]));
    // No command reaches the server but through $BASE.
    expect(all.replace(/^BASE=.*$/m, '')).not.toMatch(/localhost|127\.0\.0\.1/);
  });

  it('runs every command in order, each answering as the README shows', async () => {
    expect(steps.length).toBeGreaterThan(5);
    await run.run(steps, 'README.md');
  });
});
