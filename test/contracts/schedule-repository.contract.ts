import { Schedule } from '../../src/domain/schedule';
import { aProvider, NOW } from '../support/builders';
import { MakeHarness, useHarness } from './harness';

const weekdays = Schedule.parse({
  weekly: { mon: [['13:00', '17:00'], ['09:00', '12:00']], fri: [['09:00', '24:00']] },
  exceptions: { '2027-12-24': [['09:00', '12:00']], '2027-12-25': [] },
  buffer_before_minutes: 10,
  buffer_after_minutes: 5,
  min_notice_minutes: 120,
  max_days_ahead: 30,
});
const weekends = Schedule.parse({ weekly: { sat: [['10:00', '14:00']] } });

export function describeScheduleRepositoryContract(name: string, makeHarness: MakeHarness): void {
  describe(`ScheduleRepository contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    const newProvider = () => h().repos.providers.create(aProvider().build());

    it('get of a provider without a schedule is null', async () => {
      const p = await newProvider();
      expect(await h().repos.schedules.get(p.id)).toBeNull();
      expect(await h().peek.schedule(p.id)).toBeNull();
    });

    it('put stores the whole schedule and get returns it equal, rules and closed exceptions included', async () => {
      const p = await newProvider();
      await h().repos.schedules.put(p.id, weekdays, NOW);

      const read = await h().repos.schedules.get(p.id);
      expect(read).toBeInstanceOf(Schedule);
      expect(read?.props).toEqual(weekdays.props);
      expect(read?.toView()).toEqual(weekdays.toView());
      expect(read?.windowsOn('2027-12-25')).toEqual([]);
      expect(await h().peek.schedule(p.id)).toEqual(weekdays.props);
    });

    it('put again replaces the schedule', async () => {
      const p = await newProvider();
      await h().repos.schedules.put(p.id, weekdays, NOW);
      await h().repos.schedules.put(p.id, weekends, NOW + 1);
      expect((await h().repos.schedules.get(p.id))?.props).toEqual(weekends.props);
      expect(await h().peek.schedule(p.id)).toEqual(weekends.props);
    });

    it("one provider's schedule is not another's", async () => {
      const p = await newProvider();
      const q = await newProvider();
      await h().repos.schedules.put(p.id, weekdays, NOW);
      await h().repos.schedules.put(q.id, weekends, NOW);
      expect((await h().repos.schedules.get(p.id))?.props).toEqual(weekdays.props);
      expect((await h().repos.schedules.get(q.id))?.props).toEqual(weekends.props);
    });

    it('delete removes the schedule and says so; deleting again is false', async () => {
      const p = await newProvider();
      const q = await newProvider();
      await h().repos.schedules.put(p.id, weekdays, NOW);
      await h().repos.schedules.put(q.id, weekends, NOW);

      expect(await h().repos.schedules.delete(p.id)).toBe(true);
      expect(await h().repos.schedules.get(p.id)).toBeNull();
      expect(await h().peek.schedule(p.id)).toBeNull();
      expect(await h().repos.schedules.delete(p.id)).toBe(false);
      expect(await h().peek.schedule(q.id)).toEqual(weekends.props);
    });

    it('delete without a schedule is false', async () => {
      const p = await newProvider();
      expect(await h().repos.schedules.delete(p.id)).toBe(false);
    });

    it('a put inside a failed transaction leaves the old schedule', async () => {
      const p = await newProvider();
      await h().repos.schedules.put(p.id, weekdays, NOW);
      await expect(
        h().uow.run(async (repos) => {
          await repos.schedules.put(p.id, weekends, NOW + 1);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await h().peek.schedule(p.id)).toEqual(weekdays.props);
    });
  });
}
