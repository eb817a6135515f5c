import { ProviderJudge, providerSlots, spanAt } from '../../src/domain/booking-policy';
import { assignLanes, clusterAround, Occupancy, peakOverlap } from '../../src/domain/occupancy';
import { Schedule } from '../../src/domain/schedule';
import { chooseProviders, pinsByPool, serviceGridTimes } from '../../src/domain/service';
import { ValidationError } from '../../src/domain/errors';
import { zones } from '../support/builders';

const MINUTE = 60_000;
const at = (time: string, date = '2027-06-01') => Date.parse(`${date}T${time}:00Z`);
let nextId = 1;

function occupancy(from: string, to: string, lane = 1, fields: Partial<Occupancy> = {}): Occupancy {
  const id = nextId++;
  return { id, providerId: 1, lane, blockStart: at(from), blockEnd: at(to), startsAt: at(from), bookingId: id, holdId: null, expiresAt: null, ...fields };
}

function judge(occupied: Occupancy[], capacity = 1, schedule: Schedule | null = null, now = at('00:00', '2027-01-01')): ProviderJudge {
  return new ProviderJudge(zones, { providerId: 1, timezone: 'UTC', schedule, capacity }, [...occupied].sort((a, b) => a.blockStart - b.blockStart), now);
}

describe('peakOverlap', () => {
  it('counts the busiest instant, half-open: touching spans never count together', () => {
    const spans = [occupancy('10:00', '11:00'), occupancy('11:00', '12:00'), occupancy('10:30', '11:30')];
    expect(peakOverlap(spans, at('00:00'), at('23:59'))).toBe(2);
    expect(peakOverlap([spans[0], spans[1]], at('00:00'), at('23:59'))).toBe(1);
    expect(peakOverlap([], at('00:00'), at('23:59'))).toBe(0);
  });

  it('only within the window it is asked about', () => {
    const spans = [occupancy('10:00', '12:00'), occupancy('11:00', '13:00'), occupancy('11:30', '14:00')];
    expect(peakOverlap(spans, at('10:00'), at('11:00'))).toBe(1);
    expect(peakOverlap(spans, at('11:00'), at('11:30'))).toBe(2);
    expect(peakOverlap(spans, at('11:00'), at('12:00'))).toBe(3);
  });
});

describe('assignLanes and clusterAround', () => {
  it('give a cluster as few lanes as its busiest instant needs, in start order', () => {
    const a = { key: 'a', blockStart: at('09:00'), blockEnd: at('11:00') };
    const b = { key: 'b', blockStart: at('12:00'), blockEnd: at('14:00') };
    const c = { key: 'c', blockStart: at('10:00'), blockEnd: at('13:00') };
    const lanes = assignLanes([b, c, a], at('00:00'));
    expect(lanes).toEqual(new Map([['a', 1], ['c', 2], ['b', 1]]));
  });

  it('give what runs or lies ahead lanes up to the busiest instant from now on; what has ended keeps its lane unless needed', () => {
    // Three at once in the past, then only the long one from 10:30 on.
    const e1 = { key: 'e1', lane: 1, blockStart: at('09:00'), blockEnd: at('10:00') };
    const e2 = { key: 'e2', lane: 2, blockStart: at('09:00'), blockEnd: at('10:00') };
    const long = { key: 'long', lane: 3, blockStart: at('09:00'), blockEnd: at('12:00') };
    const early = { key: 'early', lane: 1, blockStart: at('07:00'), blockEnd: at('08:00') };
    const lanes = assignLanes([e1, e2, long, early], at('10:30'));
    expect(lanes.get('long')).toBe(1);
    expect(lanes.get('early')).toBe(1);
    expect(new Set([lanes.get('e1'), lanes.get('e2')])).toEqual(new Set([2, 3]));
  });

  it('find what a span would join through overlaps, transitively', () => {
    const chain = [occupancy('08:00', '10:00'), occupancy('09:30', '11:00'), occupancy('10:30', '12:00'), occupancy('13:00', '14:00')];
    expect(clusterAround(chain, at('11:30'), at('11:45')).map((o) => o.id)).toEqual(chain.slice(0, 3).map((o) => o.id));
    expect(clusterAround(chain, at('12:00'), at('13:00'))).toEqual([]);
  });
});

describe('ProviderJudge: capacity', () => {
  it('with capacity 1 any overlap refuses, naming the bookings in the way', () => {
    const a = occupancy('10:00', '11:00');
    const refusal = judge([a]).admit(at('10:30'), at('11:30'));
    expect(refusal).toEqual({ ok: false, reason: 'SLOT_UNAVAILABLE', conflictingBookingIds: [a.bookingId] });
    expect(judge([a]).admit(at('11:00'), at('12:00'))).toMatchObject({ ok: true, admission: { placement: { lane: 1 }, remaining: 1 } });
  });

  it('takes up to `capacity` at once, on free lanes, and says how many more the span would take', () => {
    const occupied = [occupancy('10:00', '11:00', 1), occupancy('10:30', '12:00', 2)];
    const three = judge(occupied, 3);
    expect(three.admit(at('10:00'), at('11:00'))).toMatchObject({ ok: true, admission: { placement: { lane: 3 }, remaining: 1 } });
    expect(three.admit(at('11:00'), at('12:00'))).toMatchObject({ ok: true, admission: { placement: { lane: 1 }, remaining: 2 } });
    expect(judge(occupied, 2).admit(at('10:45'), at('10:50'))).toMatchObject({ ok: false, reason: 'SLOT_UNAVAILABLE' });
  });

  it('asks for lanes to be reassigned when every lane is held though the count allows one more', () => {
    const occupied = [occupancy('09:00', '11:00', 1), occupancy('12:00', '14:00', 2)];
    expect(judge(occupied, 2).admit(at('10:00'), at('13:00'))).toMatchObject({ ok: true, admission: { relane: true, remaining: 1 } });
  });

  it('treats an expired hold as free, and names it for release', () => {
    const expired = occupancy('10:00', '11:00', 1, { bookingId: null, holdId: 7, expiresAt: at('00:00', '2027-01-01') });
    expect(judge([expired]).admit(at('10:00'), at('11:00'))).toMatchObject({ ok: true, admission: { expired: [expired.id], placement: { lane: 1 } } });
    const live = { ...expired, id: nextId++, expiresAt: at('00:00', '2027-01-02') };
    expect(judge([live]).admit(at('10:00'), at('11:00'))).toEqual({ ok: false, reason: 'SLOT_UNAVAILABLE', conflictingBookingIds: [] });
  });

  it('lists the slots of a day with what each would still take', () => {
    const schedule = Schedule.parse({ weekly: { tue: [['09:00', '11:00']] } });
    const slots = providerSlots(zones, judge([occupancy('09:00', '10:00', 1)], 2, schedule), '2027-06-01', 60, at('00:00', '2027-01-01'));
    expect(slots).toEqual([
      { minute: 540, remaining: 1 },
      { minute: 600, remaining: 2 },
    ]);
  });
});

describe('ProviderJudge: a span judged in another zone than the provider’s', () => {
  it('works across the provider’s midnight when its hours run on', () => {
    const schedule = Schedule.parse({ weekly: { tue: [['20:00', '24:00']], wed: [['00:00', '02:00']] } });
    const p = new ProviderJudge(zones, { providerId: 1, timezone: 'UTC', schedule, capacity: 1 }, [], at('00:00', '2027-01-01'));
    expect(p.admit(at('23:30'), at('00:30', '2027-06-02'))).toMatchObject({ ok: true });
    const closedNext = Schedule.parse({ weekly: { tue: [['20:00', '24:00']] } });
    const q = new ProviderJudge(zones, { providerId: 1, timezone: 'UTC', schedule: closedNext, capacity: 1 }, [], at('00:00', '2027-01-01'));
    expect(q.admit(at('23:30'), at('00:30', '2027-06-02'))).toEqual({ ok: false, reason: 'OUTSIDE_WORKING_HOURS' });
  });
});

describe('chooseProviders', () => {
  const span = { startsAt: at('10:00'), endsAt: at('11:00') };
  const judges = (busy: Record<number, string[]>) =>
    new Map(
      [1, 2, 3, 4].map((id) => [
        id,
        new ProviderJudge(zones, { providerId: id, timezone: 'UTC', schedule: null, capacity: 1 }, (busy[id] ?? []).map((t) => ({ ...occupancy(t, t.replace(/^(\d\d)/, (h) => String(Number(h) + 1).padStart(2, '0'))), providerId: id })), at('00:00', '2027-01-01')),
      ]),
    );

  it('takes one provider of every pool: the least busy that day, then the lowest id', () => {
    const load = (id: number) => ({ 1: 3, 2: 1, 3: 0, 4: 0 })[id] ?? 0;
    const chosen = chooseProviders([[1, 2], [3, 4]], judges({}), span, load);
    expect(chosen.ok && chosen.choices.map((c) => c.providerId)).toEqual([2, 3]);
  });

  it('skips a provider that cannot take the span, and names the first pool none can', () => {
    const chosen = chooseProviders([[1, 2], [3]], judges({ 1: ['10:00'] }), span, () => 0);
    expect(chosen.ok && chosen.choices.map((c) => c.providerId)).toEqual([2, 3]);
    expect(chooseProviders([[1, 2], [3]], judges({ 3: ['10:30'] }), span, () => 0)).toEqual({ ok: false, pool: 1 });
  });

  it('a pinned provider is its pool’s only candidate; a kept one comes first', () => {
    expect(chooseProviders([[1, 2]], judges({ 2: ['10:00'] }), span, () => 0, new Map([[0, 2]]))).toEqual({ ok: false, pool: 0 });
    const kept = chooseProviders([[1, 2]], judges({}), span, (id) => (id === 2 ? 5 : 0), new Map(), new Set([2]));
    expect(kept.ok && kept.choices[0].providerId).toBe(2);
  });

  it('pins must name providers of different pools of the service', () => {
    expect(pinsByPool({ pools: [[1, 2], [3]] }, [3, 1])).toEqual(new Map([[1, 3], [0, 1]]));
    expect(() => pinsByPool({ pools: [[1, 2], [3]] }, [9])).toThrow(ValidationError);
    expect(() => pinsByPool({ pools: [[1, 2], [3]] }, [1, 2])).toThrow(ValidationError);
  });

  it('the service grid starts at local midnight, every interval, ending by midnight', () => {
    expect(serviceGridTimes({ slotIntervalMinutes: 480, durationMinutes: 60 })).toEqual([0, 480, 960]);
    expect(serviceGridTimes({ slotIntervalMinutes: 600, durationMinutes: 480 })).toEqual([0, 600]);
  });
});

describe('spanAt', () => {
  it('reads a skipped wall time as nonexistent, and a repeated one as its first occurrence', () => {
    expect(spanAt(zones, 'Europe/Berlin', '2027-03-28', 150, 30)).toEqual({ ok: false, reason: 'NONEXISTENT_LOCAL_TIME' });
    const repeated = spanAt(zones, 'Europe/Berlin', '2027-10-31', 150, 30);
    expect(repeated.ok && repeated.span.startsAt).toBe(Date.parse('2027-10-31T00:30:00Z'));
    expect(spanAt(zones, 'UTC', '2027-06-01', 23 * 60 + 30, 60)).toEqual({ ok: false, reason: 'CROSSES_MIDNIGHT' });
    expect(MINUTE).toBe(60_000);
  });
});
