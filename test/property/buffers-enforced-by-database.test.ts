import fc from 'fast-check';
import { sql } from 'kysely';
import { DatabaseHandle } from '../../src/adapters/persistence/database';
import { kyselyRepositories } from '../../src/adapters/persistence/kysely-unit-of-work';
import { Repositories, StaleDecisionError } from '../../src/application/ports/unit-of-work';
import { bookingViewWithoutId } from '../../src/application/views';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { Booking } from '../../src/domain/booking';
import { BookingService, createService } from '../../src/service';
import { aBooking, anEvent, NO_BASIS, storeBooking, zones } from '../support/builders';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';

/**
 * The buffers are the database's business too: the Postgres exclusion constraint and the SQLite triggers act on the
 * occupancies' `block_start`/`block_end`, the buffer-widened span, so two bookings whose own spans are apart but
 * whose widened spans overlap cannot both occupy one lane, whoever writes them. The rows here go in through the
 * repository, which judges nothing itself, and through raw SQL.
 */

const MINUTE = 60_000;
const DAY_START = Date.parse('2027-06-01T00:00:00Z');

interface Span {
  start: number;
  duration: number;
  before: number;
  after: number;
}

function builderOf(providerId: number, s: Span) {
  const time = `${String(Math.floor(s.start / 60)).padStart(2, '0')}:${String(s.start % 60).padStart(2, '0')}`;
  return aBooking().forProvider(providerId).at('2027-06-01', time).lasting(s.duration).withBuffers(s.before, s.after);
}

const buffer = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 240 }));

/** Two spans that never overlap themselves, `b` after `a` by `gap` minutes (or before it), with buffers. */
const apartPair = fc
  .record({
    a: fc.record({ start: fc.integer({ min: 300, max: 700 }), duration: fc.integer({ min: 5, max: 480 }), before: buffer, after: buffer }),
    gap: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 60 })),
    duration: fc.integer({ min: 5, max: 480 }),
    before: buffer,
    after: buffer,
    bFirst: fc.boolean(),
  })
  .map(({ a, gap, duration, before, after, bFirst }) => {
    const start = bFirst ? a.start - gap - duration : a.start + a.duration + gap;
    return { a, b: { start, duration, before, after } };
  })
  .filter(({ b }) => b.start >= 0 && b.start + b.duration <= 1440);

describe.each(DIALECTS)('buffer-widened spans are exclusive in the database (%s)', (dialect) => {
  let service: BookingService;
  let db: DatabaseHandle;
  let repos: Repositories;
  let emails = 0;

  beforeAll(async () => {
    service = await createService({ databaseUrl: await freshDatabaseUrl(dialect) });
    db = service.database;
    repos = kyselyRepositories(db.db, db.capabilities);
  });

  afterAll(async () => {
    await service?.close();
  });

  const newProvider = async () =>
    (await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Buffers', email: `b${++emails}@example.com` })).id;
  const store = (providerId: number, s: Span) => storeBooking(repos, builderOf(providerId, s));
  const occupying = async (providerId: number) => (await repos.agendas.load([providerId], DAY_START - 2 * 86_400_000, DAY_START + 3 * 86_400_000)).get(providerId)!.occupied;

  it('two bookings whose spans are apart are both stored exactly when their widened spans do not overlap', async () => {
    let refused = 0;
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(apartPair, async ({ a, b }) => {
        const providerId = await newProvider();
        const first = builderOf(providerId, a).placement();
        const second = builderOf(providerId, b).placement();
        await store(providerId, a);
        const overlap = first.blockStart < second.blockEnd && second.blockStart < first.blockEnd;
        if (overlap) {
          refused++;
          await expect(store(providerId, b)).rejects.toThrow(StaleDecisionError);
        } else {
          stored++;
          await store(providerId, b);
        }
        expect(await occupying(providerId)).toHaveLength(overlap ? 1 : 2);
      }),
      { numRuns: 50 },
    );
    expect(refused).toBeGreaterThan(5);
    expect(stored).toBeGreaterThan(5);
  }, 120_000);

  it('the gap two bookings need is buffer_after + buffer_before, to the minute (half-open spans)', async () => {
    const providerId = await newProvider();
    // 10:00-10:30 with 15 before and 30 after: widened 09:45-11:00.
    await store(providerId, { start: 600, duration: 30, before: 15, after: 30 });
    // 11:10 with 10 before widens to 11:00: touching is allowed; 11:09 reaches into it.
    await expect(store(providerId, { start: 669, duration: 30, before: 10, after: 0 })).rejects.toThrow(StaleDecisionError);
    await store(providerId, { start: 670, duration: 30, before: 10, after: 0 });
    // 09:00-09:30 with 15 after widens to 09:45: touching again; one minute more reaches into it.
    await expect(store(providerId, { start: 540, duration: 30, before: 0, after: 16 })).rejects.toThrow(StaleDecisionError);
    await store(providerId, { start: 540, duration: 30, before: 0, after: 15 });
  });

  it('raw SQL that bypasses every repository is refused the same way; released rows and other providers do not count', async () => {
    const providerId = await newProvider();
    const otherProvider = await newProvider();
    const first = await store(providerId, { start: 600, duration: 30, before: 0, after: 60 });
    // 10:45 is a quarter of an hour after the first booking ends, inside its hour of buffer.
    const intruder = (provider: number, status: string) => ({
      provider_id: provider,
      lane: 1,
      block_start: DAY_START + 645 * MINUTE,
      block_end: DAY_START + 660 * MINUTE,
      starts_at: DAY_START + 645 * MINUTE,
      booking_id: first.id,
      hold_id: null,
      status,
      expires_at: null,
    });
    // Driver errors may come from another realm than the test's (a native module loaded once per process).
    const refusal = await db.db
      .insertInto('occupancies')
      .values(intruder(providerId, 'occupying'))
      .execute()
      .then(
        () => 'stored',
        (error: { message?: string }) => String(error?.message),
      );
    expect(refusal).toMatch(/occupancies_no_overlap|SLOT_UNAVAILABLE/);
    await db.db.insertInto('occupancies').values(intruder(providerId, 'released')).execute();
    await db.db.insertInto('occupancies').values(intruder(otherProvider, 'occupying')).execute();
    const counts = await sql<{ n: number | string }>`select count(*) as n from occupancies where provider_id = ${providerId} and status = 'occupying'`.execute(db.db);
    expect(Number(counts.rows[0].n)).toBe(1);
  });

  it('moving a stored booking into a neighbour’s buffer is refused too, and the booking keeps its span', async () => {
    const providerId = await newProvider();
    await store(providerId, { start: 600, duration: 30, before: 0, after: 30 });
    const second = await store(providerId, { start: 660, duration: 30, before: 0, after: 0 });
    const into = builderOf(providerId, { start: 659, duration: 30, before: 0, after: 0 });
    const moved: Booking = { ...second, ...into.build(), id: second.id, version: 2 };
    await expect(
      service.database.db.transaction().execute((trx) =>
        kyselyRepositories(trx, db.capabilities, true).bookings.update(moved, [into.placement()], anEvent('booking.rescheduled'), bookingViewWithoutId(moved, zones), NO_BASIS),
      ),
    ).rejects.toThrow(StaleDecisionError);
    expect((await repos.bookings.getById(second.id))?.startMinute).toBe(660);
  });
});
