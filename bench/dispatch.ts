/**
 * The outbox's cost per booking: bookings are created through the use cases, then one dispatcher pass fans their
 * events out and "sends" each email to the log (SMTP_URL unset). Measured in process:
 * the CPU time of the pass divided by the emails it delivered.
 */
import { openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLogger } from '../src/adapters/system/json-logger';
import { SYSTEM_ACTOR } from '../src/domain/actor';
import { addDays } from '../src/domain/local-date';
import { createService } from '../src/service';
import { DatabaseFactory, DatabaseKind } from './support/databases';
import { median } from './support/stats';

export interface DispatchResult {
  kind: DatabaseKind;
  /** Emails per pass. */
  emails: number;
  /** Median over the passes: CPU microseconds of the pass per email delivered. */
  cpuMicrosPerEmail: number;
  /** Median over the passes: wall-clock milliseconds of the pass. */
  wallMs: number;
}

const PROVIDERS = 50;
const FIRST_DATE = '2030-01-07';

export async function measureDispatch(factory: DatabaseFactory, kind: DatabaseKind, emails: number, passes: number, workDir: string): Promise<DispatchResult> {
  const fd = openSync(join(workDir, `dispatch-${kind}.log`), 'a');
  const service = await createService({
    databaseUrl: await factory.fresh(kind, 'dispatch'),
    // The dispatcher's lines (one per email logged) go to a file, as a server's stdout would.
    logger: jsonLogger('info', (line) => void writeSync(fd, line)),
  });
  try {
    const providers = [];
    for (let i = 0; i < PROVIDERS; i++) {
      providers.push(await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: `Provider ${i}`, email: `dispatch-${i}@example.com` }));
    }
    const cpu: number[] = [];
    const wall: number[] = [];
    let n = 0;
    // One warm-up pass, then the measured ones.
    for (let pass = 0; pass <= passes; pass++) {
      for (let i = 0; i < emails; i++, n++) {
        const minute = 8 * 60 + 30 * (Math.floor(n / (PROVIDERS * 1000)) % 20);
        await service.useCases.createBooking.execute({
          actor: SYSTEM_ACTOR,
          providerId: providers[n % PROVIDERS].id,
          date: addDays(FIRST_DATE, Math.floor(n / PROVIDERS) % 1000),
          time: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`,
        });
      }
      const started = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const summary = await service.dispatcher.runOnce();
      const used = process.cpuUsage(started);
      if (summary.delivered !== emails) throw new Error(`dispatch pass delivered ${summary.delivered} of ${emails} emails`);
      if (pass === 0) continue;
      cpu.push((used.user + used.system) / emails);
      wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { kind, emails, cpuMicrosPerEmail: median(cpu), wallMs: median(wall) };
  } finally {
    await service.close();
    closeSync(fd);
  }
}
