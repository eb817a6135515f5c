import { StaleDecisionError } from '../../src/application/ports/unit-of-work';
import { bookingViewWithoutId } from '../../src/application/views';
import { Schedule } from '../../src/domain/schedule';
import { aBooking, anEvent, aProvider, NO_BASIS, NOW, storeBooking, unique, zones } from '../support/builders';
import { gate, MakeHarness, sleep, useHarness } from './harness';

class Abort extends Error {}

export function describeUnitOfWorkContract(name: string, makeHarness: MakeHarness): void {
  describe(`UnitOfWork contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    const newProvider = () => h().repos.providers.create(aProvider().build());

    it('commits everything the work wrote and resolves with its value', async () => {
      const p = await newProvider();
      const id = await h().uow.run(async (repos) => {
        await repos.providers.reviseRules(p.id);
        return (await storeBooking(repos, aBooking().of(p).at('2027-11-01', '10:00'))).id;
      });
      expect(await h().peek.booking(id)).toMatchObject({ id, providerId: p.id });
      expect(await h().peek.eventsOf(id)).toHaveLength(1);
      expect((await h().peek.provider(p.id))?.revision).toBe(1);
    });

    it('the work reads its own writes, locked', async () => {
      const p = await newProvider();
      await h().uow.run(async (repos) => {
        expect(repos.locked).toBe(true);
        const b = await storeBooking(repos, aBooking().of(p).at('2027-11-02', '10:00'));
        expect(await repos.bookings.getForUpdate(b.id)).toEqual(b);
        const agenda = (await repos.agendas.load([p.id], b.startsAt, b.endsAt)).get(p.id)!;
        expect(agenda.occupied.map((o) => o.bookingId)).toEqual([b.id]);
      });
      expect(h().repos.locked).toBe(false);
    });

    it('a thrown error rolls everything back: no booking, no event, no revision, no schedule; the error comes out as thrown', async () => {
      const p = await newProvider();
      const scope = unique('scope');
      await h().repos.idempotency.claim(scope, 'k', 'fp', NOW, NOW + 1000, NOW - 1000);
      const abort = new Abort('abort');
      let bookingId = 0;

      const run = h().uow.run(async (repos) => {
        await repos.providers.reviseRules(p.id);
        const b = await storeBooking(repos, aBooking().of(p).at('2027-11-03', '10:00'));
        bookingId = b.id;
        await repos.schedules.put(p.id, Schedule.parse({ weekly: {} }), NOW);
        await repos.idempotency.complete(scope, 'k', { kind: 'ok', value: b.id });
        throw abort;
      });

      await expect(run).rejects.toBe(abort);
      expect(bookingId).toBeGreaterThan(0);
      expect(await h().peek.booking(bookingId)).toBeNull();
      expect(await h().peek.bookingsOf(p.id)).toEqual([]);
      expect(await h().peek.eventsOf(bookingId)).toEqual([]);
      expect(await h().peek.occupanciesOf(bookingId)).toEqual([]);
      expect((await h().peek.provider(p.id))?.revision).toBe(0);
      expect(await h().peek.schedule(p.id)).toBeNull();
      expect(await h().peek.idempotency(scope, 'k')).toMatchObject({ state: 'pending', outcome: null });
    });

    it('a refusal by the store rolls back the earlier writes of the work', async () => {
      const p = await newProvider();
      await storeBooking(h().repos, aBooking().of(p).at('2027-11-04', '10:00').lasting(60));

      await expect(
        h().uow.run(async (repos) => {
          await repos.providers.reviseRules(p.id);
          await storeBooking(repos, aBooking().of(p).at('2027-11-04', '12:00'));
          await storeBooking(repos, aBooking().of(p).at('2027-11-04', '10:30'));
        }),
      ).rejects.toThrow(StaleDecisionError);
      expect(await h().peek.bookingsOf(p.id)).toHaveLength(1);
      expect((await h().peek.provider(p.id))?.revision).toBe(0);
    });

    it('works again after a rollback', async () => {
      const p = await newProvider();
      await expect(h().uow.run(() => Promise.reject(new Abort('first')))).rejects.toThrow('first');
      const b = await h().uow.run((repos) => storeBooking(repos, aBooking().of(p).at('2027-11-05', '10:00')));
      expect(await h().peek.booking(b.id)).not.toBeNull();
    });

    it('a write made outside a unit of work while it runs survives its rollback', async () => {
      const p = await newProvider();
      const q = await newProvider();
      const inside = gate();
      const run = h().uow.run(async (repos) => {
        await storeBooking(repos, aBooking().of(p).at('2027-11-06', '10:00'));
        inside.open();
        await sleep(50);
        throw new Abort('abort');
      });
      await inside.opened;
      const outside = storeBooking(h().repos, aBooking().of(q).at('2027-11-06', '10:00'));

      await expect(run).rejects.toThrow('abort');
      const kept = await outside;
      expect(await h().peek.bookingsOf(p.id)).toEqual([]);
      expect(await h().peek.booking(kept.id)).toEqual(kept);
    });

    it('concurrent units of work never both keep overlapping occupancies of one lane, whatever their timing', async () => {
      const p = await newProvider();
      const firstWritten = gate();
      const first = h().uow.run(async (repos) => {
        const b = await storeBooking(repos, aBooking().of(p).at('2027-11-07', '10:00').lasting(60));
        firstWritten.open();
        await sleep(50);
        return b;
      });
      await firstWritten.opened;
      // No lock and no judging: only the store stands between the two.
      const second = storeBooking(h().repos, aBooking().of(p).at('2027-11-07', '10:30').lasting(60));

      const results = await Promise.allSettled([first, second]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StaleDecisionError);
      expect(await h().peek.bookingsOf(p.id)).toHaveLength(1);
    });

    it('concurrent revisions of one provider’s rules are serialised: none is lost', async () => {
      const p = await newProvider();
      await Promise.all(
        Array.from({ length: 5 }, () =>
          h().uow.run(async (repos) => {
            await repos.providers.reviseRules(p.id);
            await sleep(5);
          }),
        ),
      );
      expect((await h().peek.provider(p.id))?.revision).toBe(5);
    });

    it('decide judges again after a stale write, and after repeated conflicts runs under lock', async () => {
      const p = await newProvider();
      let attempts = 0;
      const locked: boolean[] = [];
      const id = await h().uow.decide(async (repos) => {
        attempts++;
        locked.push(repos.locked);
        if (attempts < 3) throw new StaleDecisionError('another write took the lane');
        const builder = aBooking().of(p).at('2027-11-08', '10:00');
        const booking = builder.build();
        return repos.bookings.create(booking, [builder.placement()], anEvent(), bookingViewWithoutId(booking, zones), NO_BASIS);
      });
      expect(await h().peek.booking(id)).not.toBeNull();
      expect(attempts).toBe(3);
      // Stores that can check a write's basis try without a lock first; the others decide under lock every time.
      expect(locked[locked.length - 1]).toBe(true);
    });

    it('decide gives up after repeated stale decisions under lock, rolling each back', async () => {
      const p = await newProvider();
      const attempt = h().uow.decide(async (repos) => {
        // Without a transaction a decision writes once, last; under lock its writes go with the transaction.
        if (repos.locked) await storeBooking(repos, aBooking().of(p).at('2027-11-09', '10:00'));
        throw new StaleDecisionError('always');
      });
      await expect(attempt).rejects.toThrow(StaleDecisionError);
      expect(await h().peek.bookingsOf(p.id)).toEqual([]);
    });

    it('decide goes straight to the lock when the work asks for it', async () => {
      const locked: boolean[] = [];
      await h().uow.decide(async (repos) => {
        locked.push(repos.locked);
        if (!repos.locked) throw new StaleDecisionError('lanes must be reassigned', true);
      });
      expect(locked[locked.length - 1]).toBe(true);
      expect(locked.filter((l) => !l).length).toBeLessThanOrEqual(1);
    });
  });
}
