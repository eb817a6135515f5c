import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createInMemoryService } from '../support/in-memory-service';

// The Kysely adapters' counts are checked through GET /metrics on SQLite and PostgreSQL (test/http/metrics.test.ts).
describe('HoldRepository.countByState (in memory)', () => {
  it('counts live, expired (live past expires_at), converted and released holds at the given instant', async () => {
    const s = createInMemoryService({ now: '2027-01-04T08:00:00Z' });
    const provider = await s.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Dr. Ada Byron', email: 'ada@example.com' });
    const hold = (time: string, ttlSeconds: number) =>
      s.createHold.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: '2027-01-05', time, ttlSeconds });
    const released = await hold('09:00', 300);
    const converted = await hold('10:00', 300);
    const short = await hold('11:00', 30);
    await hold('12:00', 300);
    await s.releaseHold.execute({ actor: SYSTEM_ACTOR, id: released.id });
    await s.createBooking.execute({ actor: SYSTEM_ACTOR, holdId: converted.id });
    const now = s.clock.now();
    expect(await s.store.holds.countByState(now)).toEqual({ live: 2, expired: 0, converted: 1, released: 1 });
    // Half-open: at expires_at the hold has ended.
    expect(await s.store.holds.countByState(short.expiresAt - 1)).toEqual({ live: 2, expired: 0, converted: 1, released: 1 });
    expect(await s.store.holds.countByState(short.expiresAt)).toEqual({ live: 1, expired: 1, converted: 1, released: 1 });
    expect(await s.store.holds.countByState(now + 3_600_000)).toEqual({ live: 0, expired: 2, converted: 1, released: 1 });
  });
});
