import { SlotUnavailableError } from '../../src/domain/errors';
import { Schedule } from '../../src/domain/schedule';
import { aBooking, anEvent, aProvider, NOW, unique } from '../support/builders';
import { gate, MakeHarness, sleep, useHarness } from './harness';

class Abort extends Error {}

export function describeUnitOfWorkContract(name: string, makeHarness: MakeHarness): void {
  describe(`UnitOfWork contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    const newProvider = () => h().repos.providers.create(aProvider().build());

    it('commits everything the work wrote and resolves with its value', async () => {
      const p = await newProvider();
      const result = await h().uow.run(async (repos) => {
        await repos.providers.lockCalendar(p.id);
        const b = await repos.bookings.insert(aBooking().of(p).at('2027-11-01', '10:00').build());
        const e = await repos.events.append(anEvent(b));
        return { bookingId: b.id, eventId: e.id };
      });

      expect(await h().peek.booking(result.bookingId)).toMatchObject({ id: result.bookingId, providerId: p.id });
      expect((await h().peek.eventsOf(result.bookingId)).map((e) => e.id)).toEqual([result.eventId]);
      expect((await h().peek.provider(p.id))?.revision).toBe(1);
    });

    it('the work reads its own writes', async () => {
      const p = await newProvider();
      await h().uow.run(async (repos) => {
        const b = await repos.bookings.insert(aBooking().of(p).at('2027-11-02', '10:00').build());
        expect(await repos.bookings.getForUpdate(b.id)).toEqual(b);
        expect(await repos.bookings.findOccupied(p.id, b.blockStart, b.blockEnd)).toEqual([{ id: b.id, blockStart: b.blockStart, blockEnd: b.blockEnd }]);
      });
    });

    it('a thrown error rolls everything back: no booking, no event, no revision bump, no schedule; the error comes out as thrown', async () => {
      const p = await newProvider();
      const scope = unique('scope');
      await h().repos.idempotency.claim(scope, 'k', 'fp', NOW, NOW + 1000, NOW - 1000);
      const abort = new Abort('abort');
      let bookingId = 0;

      const run = h().uow.run(async (repos) => {
        await repos.providers.lockCalendar(p.id);
        const b = await repos.bookings.insert(aBooking().of(p).at('2027-11-03', '10:00').build());
        bookingId = b.id;
        await repos.events.append(anEvent(b));
        await repos.schedules.put(p.id, Schedule.parse({ weekly: {} }), NOW);
        await repos.idempotency.complete(scope, 'k', { kind: 'ok', value: b.id });
        throw abort;
      });

      await expect(run).rejects.toBe(abort);
      expect(bookingId).toBeGreaterThan(0);
      expect(await h().peek.booking(bookingId)).toBeNull();
      expect(await h().peek.bookingsOf(p.id)).toEqual([]);
      expect(await h().peek.eventsOf(bookingId)).toEqual([]);
      expect(await h().repos.events.historyOf(bookingId)).toEqual([]);
      expect((await h().peek.provider(p.id))?.revision).toBe(0);
      expect(await h().peek.schedule(p.id)).toBeNull();
      expect(await h().peek.idempotency(scope, 'k')).toMatchObject({ state: 'pending', outcome: null });
    });

    it('a refusal by the store (SlotUnavailableError) rolls back the earlier writes of the work', async () => {
      const p = await newProvider();
      await h().repos.bookings.insert(aBooking().of(p).at('2027-11-04', '10:00').lasting(60).build());

      await expect(
        h().uow.run(async (repos) => {
          await repos.providers.lockCalendar(p.id);
          await repos.bookings.insert(aBooking().of(p).at('2027-11-04', '12:00').build());
          await repos.bookings.insert(aBooking().of(p).at('2027-11-04', '10:30').build());
        }),
      ).rejects.toThrow(SlotUnavailableError);
      expect(await h().peek.bookingsOf(p.id)).toHaveLength(1);
      expect((await h().peek.provider(p.id))?.revision).toBe(0);
    });

    it('works again after a rollback', async () => {
      const p = await newProvider();
      await expect(h().uow.run(() => Promise.reject(new Abort('first')))).rejects.toThrow('first');
      const b = await h().uow.run((repos) => repos.bookings.insert(aBooking().of(p).at('2027-11-05', '10:00').build()));
      expect(await h().peek.booking(b.id)).not.toBeNull();
    });

    it('a write made outside a unit of work while it runs survives its rollback', async () => {
      const p = await newProvider();
      const q = await newProvider();
      const inside = gate();
      const run = h().uow.run(async (repos) => {
        await repos.bookings.insert(aBooking().of(p).at('2027-11-06', '10:00').build());
        inside.open();
        await sleep(50);
        throw new Abort('abort');
      });
      await inside.opened;
      const outside = h().repos.bookings.insert(aBooking().of(q).at('2027-11-06', '10:00').build());

      await expect(run).rejects.toThrow('abort');
      const kept = await outside;
      expect(await h().peek.bookingsOf(p.id)).toEqual([]);
      expect(await h().peek.booking(kept.id)).toEqual(kept);
    });

    it('concurrent units of work never both keep overlapping bookings, whatever their timing', async () => {
      const p = await newProvider();
      const firstInserted = gate();
      const first = h().uow.run(async (repos) => {
        const b = await repos.bookings.insert(aBooking().of(p).at('2027-11-07', '10:00').lasting(60).build());
        firstInserted.open();
        await sleep(50);
        return b;
      });
      await firstInserted.opened;
      // No lockCalendar and no use-case check: only the store stands between the two.
      const second = h().uow.run((repos) => repos.bookings.insert(aBooking().of(p).at('2027-11-07', '10:30').lasting(60).build()));

      const results = await Promise.allSettled([first, second]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(SlotUnavailableError);
      expect(await h().peek.bookingsOf(p.id)).toHaveLength(1);
    });

    it('concurrent calendar locks of one provider are serialised: no revision is lost', async () => {
      const p = await newProvider();
      await Promise.all(
        Array.from({ length: 5 }, () =>
          h().uow.run(async (repos) => {
            await repos.providers.lockCalendar(p.id);
            await sleep(5);
          }),
        ),
      );
      expect((await h().peek.provider(p.id))?.revision).toBe(5);
    });
  });
}
