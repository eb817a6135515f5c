import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { jsonLogger } from '../../src/adapters/system/json-logger';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { createService } from '../../src/service';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli.js');

describe.each(DIALECTS)('outbox status on %s', (dialect) => {
  it('shows the backlog of deliveries that could not be made yet', async () => {
    const databaseUrl = await freshDatabaseUrl(dialect);
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' };
    const before = JSON.parse((await run(process.execPath, [CLI, 'outbox', 'status', '--json'], { env })).stdout);
    expect(before).toEqual({ pending: 0, retrying: 0, failed: 0, discarded: 0, discarded_by_reason: [] });

    // A webhook whose receiver is down: its delivery stays in the backlog.
    const service = await createService({ databaseUrl, clock: new FixedClock(Date.parse('2027-01-04T08:00:00Z')), allowPrivateWebhookUrls: true, logger: jsonLogger('silent') });
    try {
      const nobody = await freePort();
      await service.useCases.createWebhook.execute({ actor: SYSTEM_ACTOR, url: `http://127.0.0.1:${nobody}/hook`, events: ['booking.created'] });
      const p = await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'P', email: 'p@example.com' });
      await service.useCases.createBooking.execute({ actor: SYSTEM_ACTOR, providerId: p.id, date: '2027-03-01', time: '10:00' });
      await service.dispatcher.runOnce();
    } finally {
      await service.close();
    }

    const after = JSON.parse((await run(process.execPath, [CLI, 'outbox', 'status', '--json'], { env })).stdout);
    expect(after.pending).toBeGreaterThanOrEqual(1);
    expect(after.retrying).toBeGreaterThanOrEqual(1);
    const text = (await run(process.execPath, [CLI, 'outbox', 'status'], { env })).stdout;
    expect(text).toMatch(/^pending\s+\d+$/m);
  });
});
