import fc from 'fast-check';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { DomainError } from '../../src/domain/errors';
import { DIALECTS } from '../support/databases';
import { dateIn, scheduleAround, ZONES } from './support/arbitraries';
import { Block, expectedVerdict, gridOf, nextDate, RawSchedule, toHhmm, Verdict } from './support/oracle';
import { openWorld, World, WorldName } from './support/worlds';

/**
 * "Availability and acceptance are one rule", with capacity and holds: for random capacities (some lowered after the
 * bookings were made, which moves lanes), crowded bookings, and holds that are live, released or expired by the clock
 * alone, every grid time is listed exactly when booking it succeeds, each listed slot says how many more bookings it
 * would take as an independent model counts them, and a refused one fails with the model's reason.
 */

const WORLDS: { name: WorldName; runs: number }[] = [{ name: 'in-memory', runs: 150 }, ...DIALECTS.map((name) => ({ name, runs: 40 }))];

interface Pile {
  dayOffset: number;
  minute: number;
  duration: number;
  beforeSchedule: boolean;
  cancelled: boolean;
}

interface HeldSpan {
  minute: number;
  duration: number;
  /** Made this many seconds before now, for `ttl` seconds: expired by now when ttl <= age. */
  age: number;
  ttl: number;
  released: boolean;
}

interface CapacityScenario {
  zone: string;
  date: string;
  schedule: RawSchedule | null;
  nowOffsetMinutes: number;
  duration: number;
  /** Capacity while the bookings are made, and the one asked for afterwards (lower: lanes may move, or it is refused). */
  startCapacity: number;
  capacity: number;
  bookings: Pile[];
  holds: HeldSpan[];
}

/** Starts on a coarse grid in a few hours, so that bookings pile up on one another. */
const crowdedMinute = fc.oneof(fc.integer({ min: 16, max: 32 }).map((n) => n * 30), fc.integer({ min: 0, max: 287 }).map((n) => n * 5));
const crowdedDuration = fc.oneof(fc.constantFrom(30, 60, 90), fc.integer({ min: 5, max: 240 }));

const capacityScenario: fc.Arbitrary<CapacityScenario> = fc.constantFrom(...ZONES).chain((zone) =>
  dateIn(zone).chain((date) =>
    fc
      .record({
        zone: fc.constant(zone),
        date: fc.constant(date),
        schedule: fc.option(scheduleAround(date, zone), { freq: 3 }),
        nowOffsetMinutes: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -3 * 1440, max: -60 }) }, { weight: 1, arbitrary: fc.integer({ min: -1440, max: 900 }) }),
        duration: fc.oneof(fc.constantFrom(30, 60, 90), fc.integer({ min: 15, max: 240 })),
        startCapacity: fc.integer({ min: 1, max: 4 }),
        lowerBy: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
        bookings: fc.array(
          fc.record({ dayOffset: fc.integer({ min: -1, max: 1 }), minute: crowdedMinute, duration: crowdedDuration, beforeSchedule: fc.boolean(), cancelled: fc.boolean() }),
          { maxLength: 16 },
        ),
        holds: fc.array(
          fc.record({
            minute: crowdedMinute,
            duration: crowdedDuration,
            age: fc.integer({ min: 0, max: 1800 }),
            ttl: fc.oneof(fc.integer({ min: 30, max: 3600 }), fc.constantFrom(30, 300)),
            released: fc.boolean(),
          }),
          { maxLength: 6 },
        ),
      })
      .map(({ lowerBy, ...s }) => ({ ...s, capacity: Math.max(1, s.startCapacity - lowerBy) })),
  ),
);

let emails = 0;

const attempted = <T>(p: Promise<T>): Promise<T | null> =>
  p.catch((error: unknown) => {
    if (error instanceof DomainError) return null;
    throw error;
  });

async function codeOf(p: Promise<unknown>): Promise<Verdict> {
  try {
    await p;
    return 'OK';
  } catch (error) {
    if (error instanceof DomainError) return error.code as Verdict;
    throw error;
  }
}

async function check(world: World, s: CapacityScenario): Promise<void> {
  const dayStart = Date.parse(`${s.date}T00:00:00Z`);
  const now = dayStart + s.nowOffsetMinutes * 60_000;
  world.clock.set(dayStart - 10 * 86_400_000);
  const provider = await world.createProvider.execute({
    actor: SYSTEM_ACTOR,
    name: 'Class',
    email: `c${++emails}@example.com`,
    timezone: s.zone,
    capacity: s.startCapacity,
  });
  const book = async (b: Pile) => {
    const booking = await attempted(
      world.createBooking.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: nextDate(s.date, b.dayOffset), time: toHhmm(b.minute), durationMinutes: b.duration }),
    );
    if (booking && b.cancelled) await world.cancelBooking.execute({ actor: SYSTEM_ACTOR, id: booking.id });
  };
  for (const b of s.bookings.filter((x) => x.beforeSchedule)) await book(b);
  if (s.schedule) await world.putSchedule.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, schedule: s.schedule });
  for (const b of s.bookings.filter((x) => !x.beforeSchedule)) await book(b);
  for (const h of [...s.holds].sort((a, b) => b.age - a.age)) {
    world.clock.set(now - h.age * 1000);
    const held = await attempted(
      world.createHold.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: s.date, time: toHhmm(h.minute), durationMinutes: h.duration, ttlSeconds: h.ttl }),
    );
    if (held && h.released) await world.releaseHold.execute({ actor: SYSTEM_ACTOR, id: held.id });
  }
  world.clock.set(now);
  await attempted(world.updateProvider.execute({ actor: SYSTEM_ACTOR, id: provider.id, changes: { capacity: s.capacity } }));

  // The model judges against what occupies now: stored occupancies, less the holds whose expires_at has passed.
  const agenda = (await world.store.agendas.load([provider.id], 0, Number.MAX_SAFE_INTEGER)).get(provider.id)!;
  const capacity = agenda.provider.capacity;
  expect([s.startCapacity, s.capacity]).toContain(capacity);
  const blocks: Block[] = agenda.occupied.filter((o) => o.expiresAt === null || o.expiresAt > now).map((o) => ({ start: o.blockStart, end: o.blockEnd }));
  const situation = { zone: s.zone, schedule: s.schedule, now, blocks, capacity };

  const availability = await world.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: s.date, durationMinutes: s.duration });
  const day = availability.days[0];
  const grid = gridOf(s.schedule, s.date, s.duration);
  const expected = grid.map((minute) => ({ minute, ...expectedVerdict(situation, s.date, minute, s.duration) }));
  const listed = expected.filter((e) => e.verdict === 'OK');
  expect(day.slots).toEqual(listed.map((e) => toHhmm(e.minute)));
  expect(day.remaining).toEqual(listed.map((e) => e.remaining));

  for (const e of expected) {
    const time = toHhmm(e.minute);
    const verdict = await codeOf(world.tryBooking.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: s.date, time, durationMinutes: s.duration }));
    expect({ time, verdict }).toEqual({ time, verdict: e.verdict });
  }
}

describe.each(WORLDS)('availability lists exactly what booking accepts, with capacity and holds ($name)', ({ name, runs }) => {
  let world: World;

  beforeAll(async () => {
    world = await openWorld(name);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('every grid time is listed, with its remaining places, if and only if booking it succeeds', async () => {
    await fc.assert(
      fc.asyncProperty(capacityScenario, (s) => check(world, s)),
      { numRuns: runs },
    );
  }, 600_000);
});
