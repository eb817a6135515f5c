import fc from 'fast-check';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { DomainError } from '../../src/domain/errors';
import { DIALECTS } from '../support/databases';
import { changeDayScenario, Scenario, scenario } from './support/arbitraries';
import { Block, expectedVerdict, gridOf, nextDate, Situation, toHhmm, Verdict } from './support/oracle';
import { openWorld, World, WorldName } from './support/worlds';

/**
 * "Availability and acceptance are one rule": for random zones, schedules, clocks and existing bookings, every
 * grid time of every asked date is listed exactly when booking it succeeds, and a refused one fails with the
 * reason an independent model of API.md predicts. Each grid time is tried on its own, in a unit of work that
 * is rolled back, because booking one listed slot may legitimately remove others.
 */

const WORLDS: { name: WorldName; runs: number; changeDayRuns: number; minDuration: number; maxExtraDays: number }[] = [
  { name: 'in-memory', runs: 120, changeDayRuns: 60, minDuration: 5, maxExtraDays: 2 },
  ...DIALECTS.map((name) => ({ name, runs: 40, changeDayRuns: 15, minDuration: 15, maxExtraDays: 0 })),
];

let emails = 0;

async function codeOf(p: Promise<unknown>): Promise<Verdict> {
  try {
    await p;
    return 'OK';
  } catch (error) {
    if (error instanceof DomainError) return error.code as Verdict;
    throw error;
  }
}

/** Builds the scenario's state through the use cases; returns the provider and the situation the oracle judges. */
async function arrange(world: World, s: Scenario): Promise<{ providerId: number; situation: Situation }> {
  const dayStart = Date.parse(`${s.date}T00:00:00Z`);
  world.clock.set(dayStart - 10 * 86_400_000);
  const provider = await world.createProvider.execute({
    actor: SYSTEM_ACTOR,
    name: 'Property',
    email: `p${++emails}@example.com`,
    timezone: s.zone,
    defaultDurationMinutes: s.providerDuration,
  });
  const book = async (b: Scenario['bookings'][number]) => {
    const booking = await world.createBooking
      .execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: nextDate(s.date, b.dayOffset), time: toHhmm(b.minute), durationMinutes: b.duration })
      .catch((error: unknown) => {
        if (error instanceof DomainError) return null;
        throw error;
      });
    if (booking && b.cancelled) await world.cancelBooking.execute({ actor: SYSTEM_ACTOR, id: booking.id });
  };
  for (const b of s.bookings.filter((x) => x.beforeSchedule)) await book(b);
  if (s.schedule) await world.putSchedule.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, schedule: s.schedule });
  for (const b of s.bookings.filter((x) => !x.beforeSchedule)) await book(b);
  world.clock.set(dayStart + s.nowOffsetMinutes * 60_000 + s.nowSeconds * 1000);

  const agenda = (await world.store.agendas.load([provider.id], 0, Number.MAX_SAFE_INTEGER)).get(provider.id)!;
  const blocks: Block[] = agenda.occupied.map((o) => ({ start: o.blockStart, end: o.blockEnd }));
  return { providerId: provider.id, situation: { zone: s.zone, schedule: s.schedule, now: world.clock.now(), blocks } };
}

async function check(world: World, s: Scenario): Promise<void> {
  const { providerId, situation } = await arrange(world, s);
  const to = nextDate(s.date, s.extraDays);
  const availability = await world.getAvailability.execute({
    actor: SYSTEM_ACTOR,
    providerId,
    date: s.date,
    to,
    durationMinutes: s.duration ?? undefined,
  });
  const duration = s.duration ?? s.providerDuration;
  expect(availability.durationMinutes).toBe(duration);
  expect(availability.days.map((d) => d.date)).toEqual(Array.from({ length: s.extraDays + 1 }, (_, i) => nextDate(s.date, i)));

  for (const day of availability.days) {
    const grid = gridOf(s.schedule, day.date, duration);
    const expected = grid.map((minute) => ({ minute, ...expectedVerdict(situation, day.date, minute, duration) }));
    expect(day.slots).toEqual(expected.filter((e) => e.verdict === 'OK').map((e) => toHhmm(e.minute)));

    for (const e of expected) {
      const time = toHhmm(e.minute);
      const attempt = world.tryBooking.execute({
        actor: SYSTEM_ACTOR,
        providerId,
        date: day.date,
        time,
        durationMinutes: s.duration ?? undefined,
      });
      if (day.slots.includes(time)) {
        const booking = await attempt;
        expect({ date: booking.date, startMinute: booking.startMinute, startsAt: booking.startsAt, duration: booking.durationMinutes }).toEqual({
          date: day.date,
          startMinute: e.minute,
          startsAt: e.startsAt,
          duration,
        });
      } else {
        expect({ time, code: await codeOf(attempt) }).toEqual({ time, code: e.verdict });
      }
    }
  }
}

describe.each(WORLDS)('availability lists exactly what booking accepts ($name)', ({ name, runs, changeDayRuns, minDuration, maxExtraDays }) => {
  let world: World;

  beforeAll(async () => {
    world = await openWorld(name);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('every grid time is listed if and only if booking it succeeds, and a refusal names the right reason', async () => {
    await fc.assert(
      fc.asyncProperty(scenario({ minDuration, maxExtraDays }), (s) => check(world, s)),
      { numRuns: runs },
    );
  }, 600_000);

  it('the same holds on the days clocks change, with working hours around the change', async () => {
    await fc.assert(
      fc.asyncProperty(changeDayScenario({ minDuration }), (s) => check(world, s)),
      { numRuns: changeDayRuns },
    );
  }, 600_000);

  it('tried slots leave no trace: the state after the checks is the state before', async () => {
    const s: Scenario = {
      zone: 'Europe/Berlin',
      date: '2027-03-28',
      extraDays: 0,
      schedule: null,
      nowOffsetMinutes: -1440,
      nowSeconds: 0,
      providerDuration: 60,
      duration: null,
      bookings: [{ dayOffset: 0, minute: 600, duration: 60, beforeSchedule: true, cancelled: false }],
    };
    const { providerId } = await arrange(world, s);
    const before = await world.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId, date: s.date });
    await world.tryBooking.execute({ actor: SYSTEM_ACTOR, providerId, date: s.date, time: '12:00' });
    const after = await world.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId, date: s.date });
    expect(after.days).toEqual(before.days);
    expect(after.days[0].slots).toContain('12:00');
    expect(after.days[0].slots).not.toContain('10:00');
    expect(after.days[0].slots).not.toContain('02:00');
  });
});
