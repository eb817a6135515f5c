import fc from 'fast-check';
import { sql } from 'kysely';
import { DatabaseHandle } from '../../src/adapters/persistence/database';
import { KyselyBookingRepository } from '../../src/adapters/persistence/kysely-booking-repository';
import { NewBooking } from '../../src/application/ports/booking-repository';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { SlotUnavailableError } from '../../src/domain/errors';
import { BookingService, createService } from '../../src/service';
import { bookingRowOf } from '../support/builders';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';

/**
 * The buffers are the database's business too: the Postgres exclusion constraint and the SQLite triggers act on
 * `block_start`/`block_end`, the buffer-widened span, so two bookings whose own spans are apart but whose widened
 * spans overlap cannot both be active, whoever writes them. The rows here go in through the repository, which
 * checks nothing itself, and through raw SQL.
 */

const MINUTE = 60_000;
const DAY_START = Date.parse('2027-06-01T00:00:00Z');

interface Span {
  start: number;
  duration: number;
  before: number;
  after: number;
}

function row(providerId: number, s: Span, status: 'active' | 'cancelled' = 'active'): NewBooking {
  const startsAt = DAY_START + s.start * MINUTE;
  return {
    providerId,
    date: '2027-06-01',
    startMinute: s.start,
    durationMinutes: s.duration,
    endMinute: s.start + s.duration,
    timezone: 'UTC',
    startsAt,
    endsAt: startsAt + s.duration * MINUTE,
    blockStart: startsAt - s.before * MINUTE,
    blockEnd: startsAt + (s.duration + s.after) * MINUTE,
    status,
    customerName: null,
    customerEmail: null,
    notes: null,
    createdBy: null,
    version: 1,
    createdAt: DAY_START,
    updatedAt: DAY_START,
    cancelledAt: status === 'cancelled' ? DAY_START : null,
  };
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
  });

describe.each(DIALECTS)('buffer-widened spans are exclusive in the database (%s)', (dialect) => {
  let service: BookingService;
  let db: DatabaseHandle;
  let repo: KyselyBookingRepository;
  let emails = 0;

  beforeAll(async () => {
    service = await createService({ databaseUrl: await freshDatabaseUrl(dialect) });
    db = service.database;
    repo = new KyselyBookingRepository(db.db, db.capabilities);
  });

  afterAll(async () => {
    await service?.close();
  });

  const newProvider = async () =>
    (await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Buffers', email: `b${++emails}@example.com` })).id;

  it('two bookings whose spans are apart are both stored exactly when their widened spans do not overlap', async () => {
    let refused = 0;
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(apartPair, async ({ a, b }) => {
        const providerId = await newProvider();
        const first = row(providerId, a);
        const second = row(providerId, b);
        expect(second.endsAt <= first.startsAt || first.endsAt <= second.startsAt).toBe(true);
        await repo.insert(first);
        const overlap = first.blockStart < second.blockEnd && second.blockStart < first.blockEnd;
        if (overlap) {
          refused++;
          await expect(repo.insert(second)).rejects.toThrow(SlotUnavailableError);
        } else {
          stored++;
          await expect(repo.insert(second)).resolves.toMatchObject({ blockStart: second.blockStart, blockEnd: second.blockEnd });
        }
        const active = await repo.findOccupied(providerId, DAY_START - 2 * 86_400_000, DAY_START + 3 * 86_400_000);
        expect(active).toHaveLength(overlap ? 1 : 2);
      }),
      { numRuns: 50 },
    );
    expect(refused).toBeGreaterThan(5);
    expect(stored).toBeGreaterThan(5);
  }, 120_000);

  it('the gap two bookings need is buffer_after + buffer_before, to the minute (half-open spans)', async () => {
    const providerId = await newProvider();
    // 10:00-10:30 with 15 before and 30 after: widened 09:45-11:00.
    await repo.insert(row(providerId, { start: 600, duration: 30, before: 15, after: 30 }));
    // 11:10 with 10 before widens to 11:00: touching is allowed; 11:09 reaches into it.
    await expect(repo.insert(row(providerId, { start: 669, duration: 30, before: 10, after: 0 }))).rejects.toThrow(SlotUnavailableError);
    await expect(repo.insert(row(providerId, { start: 670, duration: 30, before: 10, after: 0 }))).resolves.toBeTruthy();
    // 09:00-09:30 with 15 after widens to 09:45: touching again; one minute more reaches into it.
    await expect(repo.insert(row(providerId, { start: 540, duration: 30, before: 0, after: 16 }))).rejects.toThrow(SlotUnavailableError);
    await expect(repo.insert(row(providerId, { start: 540, duration: 30, before: 0, after: 15 }))).resolves.toBeTruthy();
  });

  it('raw SQL that bypasses every repository is refused the same way; cancelled rows and other providers do not count', async () => {
    const providerId = await newProvider();
    const otherProvider = await newProvider();
    await repo.insert(row(providerId, { start: 600, duration: 30, before: 0, after: 60 }));
    const toSql = bookingRowOf;
    // 10:45 is a quarter of an hour after the first booking ends, inside its hour of buffer.
    const intruder = row(providerId, { start: 645, duration: 15, before: 0, after: 0 });
    // Driver errors may come from another realm than the test's (a native module loaded once per process).
    const refusal = await db.db
      .insertInto('bookings')
      .values(toSql(intruder))
      .execute()
      .then(
        () => 'stored',
        (error: { message?: string }) => String(error?.message),
      );
    expect(refusal).toMatch(/bookings_no_overlap|SLOT_UNAVAILABLE/);
    await expect(db.db.insertInto('bookings').values(toSql(row(providerId, { start: 645, duration: 15, before: 0, after: 0 }, 'cancelled'))).execute()).resolves.toBeTruthy();
    await expect(db.db.insertInto('bookings').values(toSql(row(otherProvider, { start: 645, duration: 15, before: 0, after: 0 }))).execute()).resolves.toBeTruthy();
    const counts = await sql<{ n: number | string }>`select count(*) as n from bookings where provider_id = ${providerId} and status = 'active'`.execute(db.db);
    expect(Number(counts.rows[0].n)).toBe(1);
  });

  it('widening or moving a stored booking into a neighbour’s buffer is refused too, and reactivating a cancelled one', async () => {
    const providerId = await newProvider();
    const first = await repo.insert(row(providerId, { start: 600, duration: 30, before: 0, after: 30 }));
    const second = await repo.insert(row(providerId, { start: 660, duration: 30, before: 0, after: 0 }));
    await expect(repo.update({ ...second, blockStart: second.blockStart - MINUTE, version: 2 })).rejects.toThrow(SlotUnavailableError);
    await expect(repo.update({ ...first, blockEnd: first.blockEnd + MINUTE, version: 2 })).rejects.toThrow(SlotUnavailableError);
    const cancelled = await repo.update({ ...second, status: 'cancelled', cancelledAt: DAY_START, version: 2 });
    await repo.insert(row(providerId, { start: 665, duration: 20, before: 0, after: 0 }));
    await expect(repo.update({ ...cancelled, status: 'active', cancelledAt: null, version: 3 })).rejects.toThrow(SlotUnavailableError);
  });
});
