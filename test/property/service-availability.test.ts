import fc from 'fast-check';
import { DateTime } from 'luxon';
import { LuxonTimeZones } from '../../src/adapters/time/luxon-time-zones';
import { CreateService, GetServiceAvailability } from '../../src/application/use-cases';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { DomainError } from '../../src/domain/errors';
import { DIALECTS } from '../support/databases';
import { dateIn, durationArb, scheduleAround, ZONES } from './support/arbitraries';
import { Block, exactInstant, instantAtOrAfter, localDateOf, nextDate, RawSchedule, toHhmm, windowsOn } from './support/oracle';
import { openWorld, World, WorldName } from './support/worlds';

/**
 * "Availability equals acceptance" for services: random pools of providers, each in its own zone with its own
 * schedule, capacity and bookings, and a service in yet another zone. Every time on the service's grid is listed
 * exactly when booking it succeeds; a refused one fails with the code and pool an independent model of API.md
 * predicts, and an accepted one takes, in every pool, the provider the contract's least-busy rule names. Each try
 * runs in a unit of work that is rolled back.
 */

const MINUTE = 60_000;

const WORLDS: { name: WorldName; runs: number; minInterval: number; pins: boolean }[] = [
  { name: 'in-memory', runs: 50, minInterval: 15, pins: true },
  ...DIALECTS.map((name) => ({ name, runs: 20, minInterval: 30, pins: false })),
];

interface ProviderSpec {
  zone: string;
  schedule: RawSchedule | null;
  capacity: number;
}

interface ServiceScenario {
  zone: string;
  date: string;
  extraDays: number;
  duration: number;
  interval: number;
  pools: ProviderSpec[][];
  /** Bookings of single providers, in each provider's own zone: [pool, member, day offset, minute, duration]. */
  direct: [number, number, number, number, number][];
  /** Bookings of the service itself, at grid positions of the date. */
  through: number[];
  nowOffsetMinutes: number;
}

function scenario(minInterval: number): fc.Arbitrary<ServiceScenario> {
  return fc.constantFrom(...ZONES).chain((zone) =>
    dateIn(zone).chain((date) => {
      const provider = fc.constantFrom(...ZONES).chain((pz) =>
        fc.record({
          zone: fc.constant(pz),
          schedule: fc.option(scheduleAround(date, pz), { freq: 3 }),
          capacity: fc.constantFrom(1, 1, 1, 2),
        }),
      );
      return fc.record({
        zone: fc.constant(zone),
        date: fc.constant(date),
        extraDays: fc.integer({ min: 0, max: 1 }),
        duration: durationArb(15).map((d) => Math.min(d, 240)),
        interval: fc.constantFrom(...[10, 15, 20, 30, 45, 60, 90].filter((i) => i >= minInterval)),
        pools: fc.array(fc.array(provider, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        direct: fc.array(
          fc.tuple(
            fc.nat(2),
            fc.nat(2),
            fc.integer({ min: -1, max: 1 }),
            fc.integer({ min: 0, max: 95 }).map((n) => n * 15),
            fc.constantFrom(15, 30, 60, 120),
          ),
          { maxLength: 8 },
        ),
        through: fc.array(fc.nat(200), { maxLength: 4 }),
        nowOffsetMinutes: fc.oneof(fc.constant(-3 * 1440), fc.integer({ min: -1440, max: 1440 })),
      });
    }),
  );
}

interface Member {
  id: number;
  spec: ProviderSpec;
  /** Widened spans of its occupancies, and the real starts of its bookings. */
  blocks: Block[];
  starts: number[];
  /** Its working hours by local date, worked out once. */
  hours: Map<string, [number, number][]>;
}

type Verdict = { code: 'OK' } | { code: 'NONEXISTENT_LOCAL_TIME' | 'IN_THE_PAST' | 'OUTSIDE_WORKING_HOURS' } | { code: 'SLOT_UNAVAILABLE'; pool: number };

const daysBetween = (from: string, to: string) => DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days;

/** Whether one provider's own rules admit the real span [start, end), restated from API.md. */
function admits(m: Member, start: number, end: number, now: number): boolean {
  const { zone, schedule: sc, capacity } = m.spec;
  let before = 0;
  let after = 0;
  if (sc) {
    if (start < now + sc.min_notice_minutes * MINUTE) return false;
    const date = localDateOf(zone, start);
    if (daysBetween(localDateOf(zone, now), date) > sc.max_days_ahead) return false;
    // Working hours of the start's date and the next one, as instants; every minute of the span must be in one.
    let hours = m.hours.get(date);
    if (!hours) {
      hours = [date, nextDate(date)].flatMap((d) => windowsOn(sc, d).map(([ws, we]): [number, number] => [instantAtOrAfter(zone, d, ws), instantAtOrAfter(zone, d, we)]));
      m.hours.set(date, hours);
    }
    for (let t = start; t < end; t += MINUTE) if (!hours.some(([from, until]) => from <= t && t < until)) return false;
    before = sc.buffer_before_minutes;
    after = sc.buffer_after_minutes;
  }
  const from = start - before * MINUTE;
  const to = end + after * MINUTE;
  const overlapping = m.blocks.filter((b) => b.start < to && from < b.end);
  // The most that overlap at one instant of [from, to): at some block's start, or at `from`.
  const peak = Math.max(0, ...[from, ...overlapping.map((b) => b.start).filter((s) => s >= from)].map((at) => overlapping.filter((b) => b.start <= at && at < b.end).length));
  return peak < capacity;
}

/** What API.md says a booking of the service at `date minute` gets. */
function verdict(s: ServiceScenario, pools: Member[][], date: string, minute: number, now: number, pins: Map<number, number> = new Map()): Verdict {
  const start = exactInstant(s.zone, date, minute);
  if (start === null) return { code: 'NONEXISTENT_LOCAL_TIME' };
  if (start < now) return { code: 'IN_THE_PAST' };
  const end = start + s.duration * MINUTE;
  // Running past midnight, by the wall clock or in real time, takes a time off the grid (as Part 1 reads "may not cross it").
  if (minute % s.interval !== 0 || minute + s.duration > 1440 || end > instantAtOrAfter(s.zone, date, 1440)) return { code: 'OUTSIDE_WORKING_HOURS' };
  for (const [i, pool] of pools.entries()) {
    const candidates = pins.has(i) ? pool.filter((m) => m.id === pins.get(i)) : pool;
    if (!candidates.some((m) => admits(m, start, end, now))) return { code: 'SLOT_UNAVAILABLE', pool: i };
  }
  return { code: 'OK' };
}

/** The provider each pool gives: among those that can take the span, the fewest bookings that date in the service's zone, then the lowest id. */
function expectedChoice(s: ServiceScenario, pools: Member[][], date: string, minute: number, now: number, pins: Map<number, number> = new Map()): number[] {
  const start = exactInstant(s.zone, date, minute)!;
  const end = start + s.duration * MINUTE;
  const dayStart = instantAtOrAfter(s.zone, date, 0);
  const dayEnd = instantAtOrAfter(s.zone, date, 1440);
  return pools.map((pool, i) => {
    const able = pool.filter((m) => (!pins.has(i) || pins.get(i) === m.id) && admits(m, start, end, now));
    const load = (m: Member) => m.starts.filter((t) => t >= dayStart && t < dayEnd).length;
    return able.sort((a, b) => load(a) - load(b) || a.id - b.id)[0].id;
  });
}

async function outcome(p: Promise<{ providerIds: number[] }>): Promise<{ code: string; pool?: number; providerIds?: number[] }> {
  try {
    const booking = await p;
    return { code: 'OK', providerIds: booking.providerIds };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const pool = (error.details as { pool?: number } | undefined)?.pool;
    return pool === undefined ? { code: error.code } : { code: error.code, pool };
  }
}

let emails = 0;

async function check(world: World, s: ServiceScenario, pinsToo: boolean): Promise<void> {
  const zones = new LuxonTimeZones();
  const createService = new CreateService(world.store, world.clock, zones);
  const getAvailability = new GetServiceAvailability(world.store, world.clock, zones);
  const dayStart = Date.parse(`${s.date}T00:00:00Z`);
  world.clock.set(dayStart - 10 * 86_400_000);

  const ids: number[][] = [];
  for (const pool of s.pools) {
    const row: number[] = [];
    for (const spec of pool) {
      const p = await world.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Pool member', email: `sp${++emails}@example.com`, timezone: spec.zone, capacity: spec.capacity });
      if (spec.schedule) await world.putSchedule.execute({ actor: SYSTEM_ACTOR, providerId: p.id, schedule: spec.schedule });
      row.push(p.id);
    }
    ids.push(row);
  }
  const service = await createService.execute({ actor: SYSTEM_ACTOR, name: 'Property', durationMinutes: s.duration, slotIntervalMinutes: s.interval, timezone: s.zone, pools: ids });
  const ignoreRefusal = (error: unknown) => {
    if (error instanceof DomainError) return null;
    throw error;
  };
  for (const [pool, member, dayOffset, minute, duration] of s.direct) {
    const providerId = ids[pool % ids.length][member % ids[pool % ids.length].length];
    const time = toHhmm(Math.min(minute, 1440 - duration));
    await world.createBooking.execute({ actor: SYSTEM_ACTOR, providerId, date: nextDate(s.date, dayOffset), time, durationMinutes: duration }).catch(ignoreRefusal);
  }
  const gridSize = Math.floor((1440 - s.duration) / s.interval) + 1;
  for (const position of s.through) {
    await world.createBooking.execute({ actor: SYSTEM_ACTOR, serviceId: service.id, date: s.date, time: toHhmm((position % gridSize) * s.interval) }).catch(ignoreRefusal);
  }
  world.clock.set(dayStart + s.nowOffsetMinutes * MINUTE);
  const now = world.clock.now();

  const agendas = await world.store.agendas.load(ids.flat(), 0, Number.MAX_SAFE_INTEGER);
  const pools: Member[][] = ids.map((row, i) =>
    row.map((id, j) => {
      const occupied = agendas.get(id)!.occupied;
      return {
        id,
        spec: s.pools[i][j],
        blocks: occupied.map((o) => ({ start: o.blockStart, end: o.blockEnd })),
        starts: occupied.filter((o) => o.bookingId !== null).map((o) => o.startsAt),
        hours: new Map(),
      };
    }),
  );

  const to = nextDate(s.date, s.extraDays);
  const availability = await getAvailability.execute({ actor: SYSTEM_ACTOR, serviceId: service.id, date: s.date, to });
  expect(availability).toMatchObject({ serviceId: service.id, timezone: s.zone, durationMinutes: s.duration });
  expect(availability.days.map((d) => d.date)).toEqual(Array.from({ length: s.extraDays + 1 }, (_, i) => nextDate(s.date, i)));

  for (const day of availability.days) {
    // The contract's grid: every interval from local midnight, those whose span would run past midnight included
    // (never listed; refused with 422).
    const grid = Array.from({ length: Math.ceil(1440 / s.interval) }, (_, i) => i * s.interval);
    const expected = grid.map((minute) => ({ minute, ...verdict(s, pools, day.date, minute, now) }));
    expect({ date: day.date, slots: day.slots }).toEqual({ date: day.date, slots: expected.filter((e) => e.code === 'OK').map((e) => toHhmm(e.minute)) });

    for (const e of expected) {
      const time = toHhmm(e.minute);
      const got = await outcome(world.tryBooking.execute({ actor: SYSTEM_ACTOR, serviceId: service.id, date: day.date, time }));
      const want = e.code === 'OK' ? { code: 'OK', providerIds: expectedChoice(s, pools, day.date, e.minute, now) } : { ...e, minute: undefined };
      expect({ time, ...got }).toEqual({ time, ...JSON.parse(JSON.stringify(want)) });

      if (pinsToo) {
        const pool = e.minute % ids.length;
        const pinned = ids[pool][(e.minute / s.interval) % ids[pool].length];
        const pins = new Map([[pool, pinned]]);
        const pinnedVerdict = verdict(s, pools, day.date, e.minute, now, pins);
        const withPin = await outcome(world.tryBooking.execute({ actor: SYSTEM_ACTOR, serviceId: service.id, date: day.date, time, providerIds: [pinned] }));
        const wantPinned = pinnedVerdict.code === 'OK' ? { code: 'OK', providerIds: expectedChoice(s, pools, day.date, e.minute, now, pins) } : pinnedVerdict;
        expect({ time, pinned, ...withPin }).toEqual({ time, pinned, ...wantPinned });
      }
    }

    // A few times off the grid, and past midnight: refused by the service's own rules before any provider's.
    for (const minute of [7, s.interval + 1, 1440 - s.duration + Math.min(5, s.interval - 1), 1435].filter((m) => m % s.interval !== 0 && m < 1440)) {
      const time = toHhmm(minute);
      const got = await outcome(world.tryBooking.execute({ actor: SYSTEM_ACTOR, serviceId: service.id, date: day.date, time }));
      expect({ time, ...got }).toEqual({ time, ...verdict(s, pools, day.date, minute, now) });
    }
  }
}

describe.each(WORLDS)('service availability lists exactly what booking the service accepts ($name)', ({ name, runs, minInterval, pins }) => {
  let world: World;

  beforeAll(async () => {
    world = await openWorld(name);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('every grid time is listed if and only if booking it succeeds, with the reason and pool of a refusal and the least-busy providers', async () => {
    await fc.assert(
      // In memory, a fresh world per run costs nothing and keeps each try's copy of the state small.
      fc.asyncProperty(scenario(minInterval), async (s) => check(name === 'in-memory' ? await openWorld(name) : world, s, pins)),
      { numRuns: runs },
    );
  }, 600_000);
});
