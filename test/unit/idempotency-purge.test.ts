import { sql } from 'kysely';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createService } from '../../src/service';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';

describe.each(DIALECTS)('expired idempotency records on %s', (dialect) => {
  it('are kept for the time to live, then deleted by the purge, and the key is free again', async () => {
    const clock = new FixedClock(Date.parse('2027-01-04T08:00:00Z'));
    const service = await createService({ databaseUrl: await freshDatabaseUrl(dialect), clock, idempotencyTtlHours: 24 });
    try {
      const p = await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'P', email: 'p@example.com' });
      const request = { actor: SYSTEM_ACTOR, providerId: p.id, date: '2027-03-01', time: '10:00', idempotencyKey: 'order-1' };
      const first = await service.useCases.createBooking.execute(request);
      const rows = () => sql<{ n: number }>`select count(*) as n from idempotency_keys`.execute(service.database.db).then((r) => Number(r.rows[0].n));

      clock.advance(24 * 3_600_000 - 1);
      expect(await service.purgeExpiredIdempotencyKeys()).toBe(0);
      expect((await service.useCases.createBooking.execute(request)).id).toBe(first.id);

      clock.advance(2);
      expect(await service.purgeExpiredIdempotencyKeys()).toBe(1);
      expect(await rows()).toBe(0);
      // The key now starts afresh: the same slot is taken, so it is refused rather than replayed.
      await expect(service.useCases.createBooking.execute(request)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });
    } finally {
      await service.close();
    }
  });
});
