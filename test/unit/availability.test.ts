import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { gridTimes } from '../../src/domain/booking-policy';
import {
  ForbiddenError,
  NotFoundError,
  OutsideWorkingHoursError,
  ProviderNotFoundError,
  SlotUnavailableError,
  ValidationError,
} from '../../src/domain/errors';
import { Schedule, ScheduleInput } from '../../src/domain/schedule';
import { createInMemoryService } from '../support/in-memory-service';

const CLIENT = { keyId: 77, role: 'client' as const };

async function setUp(options: { timezone?: string; schedule?: ScheduleInput; duration?: number; now?: string } = {}) {
  const service = createInMemoryService({ now: options.now });
  const provider = await service.createProvider.execute({
    actor: SYSTEM_ACTOR,
    name: 'Unit',
    email: 'unit@example.com',
    timezone: options.timezone ?? 'UTC',
    defaultDurationMinutes: options.duration ?? 30,
  });
  if (options.schedule) await service.putSchedule.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, schedule: options.schedule });
  const slots = async (date: string, durationMinutes?: number) =>
    (await service.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date, durationMinutes })).days[0].slots;
  const book = (date: string, time: string, durationMinutes?: number) =>
    service.createBooking.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date, time, durationMinutes });
  return { service, provider, slots, book };
}

describe('the grid', () => {
  it('counts wall minutes from each window’s start and drops tails that do not fit', () => {
    const schedule = Schedule.parse({ weekly: { mon: [['13:00', '14:40'], ['09:10', '10:00']] } });
    expect(gridTimes(schedule, '2027-01-04', 30)).toEqual([550, 780, 810, 840]);
    expect(gridTimes(schedule, '2027-01-04', 50)).toEqual([550, 780, 830]);
    expect(gridTimes(schedule, '2027-01-05', 30)).toEqual([]);
    expect(gridTimes(null, '2027-01-05', 480)).toEqual([0, 480, 960]);
  });
});

describe('working hours are the union of the day’s windows', () => {
  it('a booking may run from one window into an adjacent one, not across a gap between two', async () => {
    const { book } = await setUp({
      schedule: { weekly: { mon: [['09:00', '12:00'], ['12:00', '13:00'], ['14:00', '17:00']] } },
    });
    await expect(book('2027-01-11', '11:30', 60)).resolves.toMatchObject({ startMinute: 690 });
    await expect(book('2027-01-11', '11:00', 120)).rejects.toThrow(SlotUnavailableError);
    await expect(book('2027-01-11', '12:30', 60)).rejects.toThrow(OutsideWorkingHoursError);
    await expect(book('2027-01-11', '08:30', 60)).rejects.toThrow(OutsideWorkingHoursError);
    await expect(book('2027-01-11', '16:30', 31)).rejects.toThrow(OutsideWorkingHoursError);
    await expect(book('2027-01-11', '16:30', 30)).resolves.toMatchObject({ endMinute: 1020 });
  });

  it('two windows on either side of a skipped hour are one stretch of real working time', async () => {
    // Berlin, 28 March 2027: 01:59 is followed by 03:00.
    const { book } = await setUp({ timezone: 'Europe/Berlin', schedule: { weekly: {}, exceptions: { '2027-03-28': [['01:00', '02:00'], ['03:00', '04:00']] } } });
    await expect(book('2027-03-28', '01:30', 60)).resolves.toMatchObject({ endMinute: 210 });
    await expect(book('2027-03-28', '01:00', 30)).resolves.toMatchObject({ endMinute: 90 });
  });
});

describe('GetAvailability', () => {
  it('validates before it looks the provider up, and refuses more than 62 dates', async () => {
    const { service, provider } = await setUp();
    const ask = (input: Partial<Parameters<typeof service.getAvailability.execute>[0]>) =>
      service.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: '2027-01-11', ...input });
    await expect(ask({ to: '2027-03-13' })).resolves.toMatchObject({ days: expect.any(Array) });
    expect((await ask({ to: '2027-03-13' })).days).toHaveLength(62);
    await expect(ask({ to: '2027-03-14' })).rejects.toThrow(ValidationError);
    await expect(ask({ to: '2027-01-10' })).rejects.toThrow('to must not be before date');
    await expect(ask({ date: '2027-02-29' })).rejects.toThrow(ValidationError);
    await expect(ask({ durationMinutes: 4 })).rejects.toThrow(ValidationError);
    await expect(ask({ providerId: 999, durationMinutes: 4 })).rejects.toThrow(ValidationError);
    await expect(ask({ providerId: 999 })).rejects.toThrow(ProviderNotFoundError);
  });

  it('a client may read availability and schedules but not write schedules', async () => {
    const { service, provider } = await setUp({ schedule: { weekly: { mon: [['09:00', '10:00']] } } });
    const a = await service.getAvailability.execute({ actor: CLIENT, providerId: provider.id, date: '2027-01-11' });
    expect(a.days).toEqual([{ date: '2027-01-11', slots: ['09:00', '09:30'], remaining: [1, 1] }]);
    await expect(service.getSchedule.execute({ actor: CLIENT, providerId: provider.id })).resolves.toBeInstanceOf(Schedule);
    await expect(service.putSchedule.execute({ actor: CLIENT, providerId: provider.id, schedule: { weekly: {} } })).rejects.toThrow(ForbiddenError);
    await expect(service.deleteSchedule.execute({ actor: CLIENT, providerId: provider.id })).rejects.toThrow(ForbiddenError);
    await service.deleteSchedule.execute({ actor: SYSTEM_ACTOR, providerId: provider.id });
    await expect(service.getSchedule.execute({ actor: CLIENT, providerId: provider.id })).rejects.toThrow(NotFoundError);
  });

  it('what an answer is worked out from changes with every change to the provider’s bookings or schedule, and only then', async () => {
    const { service, provider, book } = await setUp({ schedule: { weekly: { mon: [['09:00', '12:00']] } } });
    const revision = async () => (await service.getAvailability.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, date: '2027-01-11' })).basis;
    const r0 = await revision();
    const b = await book('2027-01-11', '09:00');
    const r1 = await revision();
    expect(r1).not.toEqual(r0);
    await expect(book('2027-01-11', '09:00')).rejects.toThrow(SlotUnavailableError);
    await expect(book('2027-01-11', '13:00')).rejects.toThrow(OutsideWorkingHoursError);
    expect(await revision()).toBe(r1);
    await service.cancelBooking.execute({ actor: SYSTEM_ACTOR, id: b.id });
    const r2 = await revision();
    expect(r2).not.toEqual(r1);
    await service.putSchedule.execute({ actor: SYSTEM_ACTOR, providerId: provider.id, schedule: { weekly: {} } });
    expect(await revision()).not.toEqual(r2);
  });

  it('lists nothing on a closed date and nothing before now', async () => {
    const { slots } = await setUp({ now: '2027-01-11T10:10:00Z', schedule: { weekly: { mon: [['09:00', '12:00']] } } });
    expect(await slots('2027-01-11')).toEqual(['10:30', '11:00', '11:30']);
    expect(await slots('2027-01-04')).toEqual([]);
    expect(await slots('2027-01-12')).toEqual([]);
  });
});
