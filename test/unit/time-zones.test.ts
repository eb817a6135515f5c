import { bookingView } from '../../src/application/views';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { Booking } from '../../src/domain/booking';
import { NonexistentLocalTimeError, OutsideWorkingHoursError, SlotUnavailableError, TooSoonError } from '../../src/domain/errors';
import { ScheduleInput } from '../../src/domain/schedule';
import { createInMemoryService, InMemoryService } from '../support/in-memory-service';

/**
 * Golden cases on the 2027 days the clocks change. Berlin: 28 Mar 02:00→03:00, 31 Oct 03:00→02:00. New York:
 * 14 Mar 02:00→03:00, 7 Nov 02:00→01:00. Sydney: 4 Apr 03:00→02:00, 3 Oct 02:00→03:00. Lord Howe moves by half
 * an hour: 4 Apr 02:00→01:30, 3 Oct 02:00→02:30. Asia/Kolkata never changes (+05:30 all year).
 */

const ALL_DAY: ScheduleInput = {
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]])),
};

async function setUp(timezone: string, options: { now?: string; schedule?: ScheduleInput; duration?: number } = {}) {
  const service = createInMemoryService({ now: options.now ?? '2027-01-04T08:00:00Z' });
  const provider = await service.createProvider.execute({
    actor: SYSTEM_ACTOR,
    name: 'Zone',
    email: `${timezone.replace('/', '.')}@example.com`,
    timezone,
    defaultDurationMinutes: options.duration ?? 30,
  });
  if (options.schedule) await service.putSchedule.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, schedule: options.schedule });
  const slots = async (date: string, durationMinutes?: number) =>
    (await service.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date, durationMinutes })).days[0].slots;
  const book = (date: string, time: string, durationMinutes?: number) =>
    service.createBooking.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date, time, durationMinutes });
  const view = (b: Booking) => bookingView(b, service.zones);
  return { service, provider, slots, book, view };
}

const SPRING_FORWARD = [
  { zone: 'Europe/Berlin', date: '2027-03-28', skipped: ['02:00', '02:30'], before: '+01:00', after: '+02:00' },
  { zone: 'America/New_York', date: '2027-03-14', skipped: ['02:00', '02:30'], before: '-05:00', after: '-04:00' },
  { zone: 'Australia/Sydney', date: '2027-10-03', skipped: ['02:00', '02:30'], before: '+10:00', after: '+11:00' },
  { zone: 'Australia/Lord_Howe', date: '2027-10-03', skipped: ['02:00', '02:15'], before: '+10:30', after: '+11:00' },
];

const FALL_BACK = [
  { zone: 'Europe/Berlin', date: '2027-10-31', repeated: '02:30', first: '+02:00', second: '+01:00', firstAllowed: '03:00' },
  { zone: 'America/New_York', date: '2027-11-07', repeated: '01:30', first: '-04:00', second: '-05:00', firstAllowed: '02:00' },
  { zone: 'Australia/Sydney', date: '2027-04-04', repeated: '02:30', first: '+11:00', second: '+10:00', firstAllowed: '03:00' },
  { zone: 'Australia/Lord_Howe', date: '2027-04-04', repeated: '01:45', first: '+11:00', second: '+10:30', firstAllowed: '02:15' },
];

describe.each(SPRING_FORWARD)('spring forward in $zone on $date', ({ zone, date, skipped, before, after }) => {
  it('skipped wall times are neither offered nor accepted (NONEXISTENT_LOCAL_TIME)', async () => {
    const { slots, book } = await setUp(zone, { duration: 15 });
    const offered = await slots(date);
    for (const time of skipped) {
      expect(offered).not.toContain(time);
      await expect(book(date, time)).rejects.toThrow(NonexistentLocalTimeError);
      await expect(book(date, time)).rejects.toMatchObject({ code: 'NONEXISTENT_LOCAL_TIME' });
    }
    expect(offered).toContain('01:45');
    expect(offered).toContain('03:00');
    // One hour (half an hour on Lord Howe) fewer quarter-hour slots than an ordinary day.
    expect(offered).toHaveLength(zone === 'Australia/Lord_Howe' ? 96 - 2 : 96 - 4);
  });

  it('a schedule window over the gap still offers no skipped time, and its grid keeps counting wall minutes', async () => {
    const { slots, book } = await setUp(zone, { schedule: { weekly: {}, exceptions: { [date]: [['01:00', '05:00']] } }, duration: 30 });
    const offered = await slots(date);
    for (const time of skipped) expect(offered).not.toContain(time);
    expect(offered).toEqual(expect.arrayContaining(['01:00', '01:30', '03:00', '03:30', '04:00', '04:30']));
    await expect(book(date, skipped[0])).rejects.toThrow(NonexistentLocalTimeError);
  });

  it('a booking lasts real minutes: 01:30 + 60 ends at 03:30 (03:00 on Lord Howe), with both offsets shown', async () => {
    const { book, view } = await setUp(zone);
    const b = view(await book(date, '01:30', 60));
    const end = zone === 'Australia/Lord_Howe' ? '03:00' : '03:30';
    expect(b).toMatchObject({
      time: '01:30:00',
      end_time: `${end}:00`,
      starts_at: `${date}T01:30:00${before}`,
      ends_at: `${date}T${end}:00${after}`,
    });
    expect(Date.parse(b.ends_at) - Date.parse(b.starts_at)).toBe(60 * 60_000);
  });

  it('a booking that would end inside working hours by the wall clock but not in real time is outside them', async () => {
    // 01:00 + 150 real minutes ends at 04:30 (04:00 on Lord Howe) on the wall clock: past a window ending at 03:45.
    const { book } = await setUp(zone, { schedule: { weekly: {}, exceptions: { [date]: [['01:00', '03:45']] } } });
    await expect(book(date, '01:00', 150)).rejects.toThrow(OutsideWorkingHoursError);
    await expect(book(date, '01:00', 90)).resolves.toMatchObject({ startMinute: 60 });
  });

  it('windows after 13:00 are not shifted: same wall times, the new offset', async () => {
    const { slots, book, view } = await setUp(zone, { schedule: { weekly: {}, exceptions: { [date]: [['14:00', '18:00']] } }, duration: 60 });
    expect(await slots(date)).toEqual(['14:00', '15:00', '16:00', '17:00']);
    expect(view(await book(date, '14:00'))).toMatchObject({ starts_at: `${date}T14:00:00${after}`, ends_at: `${date}T15:00:00${after}` });
  });

  it('minimum notice that crosses the change is judged on real elapsed time', async () => {
    // now = 01:30 before the change; 60 minutes of real notice reach 03:30 (03:00 on Lord Howe) on the wall clock,
    // where wall arithmetic would allow 02:30 → 03:00 already.
    const nowUtc = new Date(Date.parse(`${date}T01:30:00${before}`)).toISOString();
    const { slots, book } = await setUp(zone, { now: nowUtc, schedule: { ...ALL_DAY, min_notice_minutes: 60 }, duration: 15 });
    const earliest = zone === 'Australia/Lord_Howe' ? '03:00' : '03:30';
    const offered = await slots(date);
    expect(offered[0]).toBe(earliest);
    if (earliest === '03:30') await expect(book(date, '03:15')).rejects.toThrow(TooSoonError);
    await expect(book(date, '02:45')).rejects.toThrow(zone === 'Australia/Lord_Howe' ? TooSoonError : NonexistentLocalTimeError);
    await expect(book(date, earliest)).resolves.toMatchObject({ startsAt: Date.parse(nowUtc) + 60 * 60_000 });
  });
});

describe.each(FALL_BACK)('fall back in $zone on $date', ({ zone, date, repeated, first, second, firstAllowed }) => {
  it('a repeated wall time means its first occurrence', async () => {
    const { book, view } = await setUp(zone);
    expect(view(await book(date, repeated))).toMatchObject({ time: `${repeated}:00`, starts_at: `${date}T${repeated}:00${first}` });
  });

  it('each repeated grid time is offered once', async () => {
    const { slots } = await setUp(zone, { duration: 15 });
    const offered = await slots(date);
    expect(new Set(offered).size).toBe(offered.length);
    expect(offered).toHaveLength(96);
    expect(offered).toContain(repeated);
  });

  it('a booking lasts real minutes: 60 minutes from the first occurrence end at the second one', async () => {
    const { book, view } = await setUp(zone);
    const b = view(await book(date, repeated, 60));
    const shift = zone === 'Australia/Lord_Howe' ? 30 : 60;
    const endWall = Number(repeated.slice(0, 2)) * 60 + Number(repeated.slice(3)) + 60 - shift;
    const endTime = `${String(Math.floor(endWall / 60)).padStart(2, '0')}:${String(endWall % 60).padStart(2, '0')}`;
    expect(b).toMatchObject({ starts_at: `${date}T${repeated}:00${first}`, end_time: `${endTime}:00`, ends_at: `${date}T${endTime}:00${second}` });
    expect(Date.parse(b.ends_at) - Date.parse(b.starts_at)).toBe(60 * 60_000);
  });

  it('a booking through the repeated hour blocks the first occurrence of the times inside it', async () => {
    const { book, slots } = await setUp(zone, { duration: 15 });
    const [h, m] = [Number(repeated.slice(0, 2)), Number(repeated.slice(3))];
    const startWall = h * 60 + m - 60;
    const start = `${String(Math.floor(startWall / 60)).padStart(2, '0')}:${String(startWall % 60).padStart(2, '0')}`;
    await book(date, start, 120);
    await expect(book(date, repeated, 15)).rejects.toThrow(SlotUnavailableError);
    expect(await slots(date)).not.toContain(repeated);
  });

  it('minimum notice that crosses the change is judged on real elapsed time', async () => {
    // now = the first occurrence of the repeated time; 60 minutes of real notice are over at `firstAllowed`,
    // earlier on the wall clock than the repeated time + 60 that wall arithmetic would demand.
    const nowUtc = new Date(Date.parse(`${date}T${repeated}:00${first}`)).toISOString();
    const { book, slots, view } = await setUp(zone, { now: nowUtc, schedule: { ...ALL_DAY, min_notice_minutes: 60 }, duration: 15 });
    expect((await slots(date))[0]).toBe(firstAllowed);
    await expect(book(date, repeated)).rejects.toThrow(TooSoonError);
    const booking = await book(date, firstAllowed);
    expect(view(booking).starts_at).toBe(`${date}T${firstAllowed}:00${second}`);
    expect(booking.startsAt).toBeGreaterThanOrEqual(Date.parse(nowUtc) + 60 * 60_000);
  });
});

describe('a zone that never changes (Asia/Kolkata)', () => {
  it('every wall time exists on the days other zones change, offset +05:30', async () => {
    const { slots, book, view } = await setUp('Asia/Kolkata', { duration: 15 });
    for (const date of ['2027-03-14', '2027-03-28', '2027-04-04', '2027-10-03', '2027-10-31', '2027-11-07']) {
      expect(await slots(date)).toHaveLength(96);
    }
    expect(view(await book('2027-03-28', '02:30', 60))).toMatchObject({
      starts_at: '2027-03-28T02:30:00+05:30',
      ends_at: '2027-03-28T03:30:00+05:30',
      end_time: '03:30:00',
    });
  });
});

describe('clocks that change at midnight (America/Santiago)', () => {
  it('a day that starts at 01:00: its midnight hour is skipped, and the day before still ends at 24:00', async () => {
    const { slots, book, view } = await setUp('America/Santiago', { duration: 60 });
    const offered = await slots('2027-09-05');
    expect(offered[0]).toBe('01:00');
    expect(offered).toHaveLength(23);
    await expect(book('2027-09-05', '00:30')).rejects.toThrow(NonexistentLocalTimeError);
    expect(view(await book('2027-09-04', '23:00', 60))).toMatchObject({
      end_time: '24:00:00',
      starts_at: '2027-09-04T23:00:00-04:00',
      ends_at: '2027-09-05T01:00:00-03:00',
    });
    expect(view(await book('2027-09-05', '01:00', 60))).toMatchObject({ starts_at: '2027-09-05T01:00:00-03:00' });
  });

  it('a day whose last hour repeats: 23:00 is the first one, and 60 minutes from it end at the second', async () => {
    const { slots, book, view } = await setUp('America/Santiago', { duration: 60 });
    expect(await slots('2027-04-03')).toHaveLength(24);
    expect(view(await book('2027-04-03', '23:00', 60))).toMatchObject({
      starts_at: '2027-04-03T23:00:00-03:00',
      end_time: '23:00:00',
      ends_at: '2027-04-03T23:00:00-04:00',
    });
    expect(await slots('2027-04-03')).not.toContain('23:00');
  });
});
