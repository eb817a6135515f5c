import { BookingEvent } from '../../src/application/ports/booking-event-log';
import { Booking } from '../../src/domain/booking';
import { aBooking, anEvent, aProvider, NOW } from '../support/builders';
import { gate, MakeHarness, sleep, useHarness } from './harness';

export function describeBookingEventLogContract(name: string, makeHarness: MakeHarness): void {
  describe(`BookingEventLog contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    /** A booking of its own provider, created by `owner`. */
    const newBooking = async (owner: number | null = null): Promise<Booking> => {
      const p = await h().repos.providers.create(aProvider().build());
      return h().repos.bookings.insert(aBooking().of(p).at('2027-10-01', '10:00').createdBy(owner).build());
    };
    const ids = (events: BookingEvent[]) => events.map((e) => e.id);
    /** The id below every event appended from now on. */
    const high = async () => {
      let after = 0;
      for (;;) {
        const page = await h().repos.events.listAfter(after, 500);
        if (page.length === 0) return after;
        after = page[page.length - 1].id;
      }
    };

    it('append stores the event as given and returns it with an id', async () => {
      const b = await newBooking(5);
      const event = { ...anEvent(b, 'booking.updated', NOW + 3), actor: 9, changes: { notes: [null, 'x'] as [unknown, unknown] } };
      const stored = await h().repos.events.append(event);

      expect(stored).toEqual({ ...event, id: expect.any(Number) });
      expect(await h().peek.eventsOf(b.id)).toEqual([stored]);
    });

    it('ids rise with every append', async () => {
      const b = await newBooking();
      const first = await h().repos.events.append(anEvent(b));
      const second = await h().repos.events.append(anEvent(b, 'booking.updated'));
      const third = await h().repos.events.append(anEvent(b, 'booking.cancelled'));
      expect(second.id).toBeGreaterThan(first.id);
      expect(third.id).toBeGreaterThan(second.id);
    });

    it('listAfter returns events strictly after the id, in id order, up to the limit', async () => {
      const start = await high();
      const b = await newBooking();
      const c = await newBooking();
      const e1 = await h().repos.events.append(anEvent(b));
      const e2 = await h().repos.events.append(anEvent(c));
      const e3 = await h().repos.events.append(anEvent(b, 'booking.updated'));

      expect(ids(await h().repos.events.listAfter(start, 10))).toEqual([e1.id, e2.id, e3.id]);
      expect(ids(await h().repos.events.listAfter(start, 2))).toEqual([e1.id, e2.id]);
      expect(await h().repos.events.listAfter(e1.id, 1)).toEqual([e2]);
      expect(await h().repos.events.listAfter(e3.id, 10)).toEqual([]);
    });

    it("listAfter with an owner returns only that owner's bookings' events", async () => {
      const start = await high();
      const mine = await newBooking(71);
      const theirs = await newBooking(72);
      const system = await newBooking(null);
      const e1 = await h().repos.events.append(anEvent(mine));
      await h().repos.events.append(anEvent(theirs));
      await h().repos.events.append(anEvent(system));
      const e4 = await h().repos.events.append(anEvent(mine, 'booking.cancelled'));

      expect(ids(await h().repos.events.listAfter(start, 10, 71))).toEqual([e1.id, e4.id]);
      expect(ids(await h().repos.events.listAfter(e1.id, 10, 71))).toEqual([e4.id]);
      expect(ids(await h().repos.events.listAfter(start, 1, 71))).toEqual([e1.id]);
      expect(await h().repos.events.listAfter(start, 10, 73)).toEqual([]);
      expect(await h().repos.events.listAfter(start, 10)).toHaveLength(4);
    });

    it("historyOf returns one booking's events, oldest first", async () => {
      const b = await newBooking();
      const other = await newBooking();
      const created = await h().repos.events.append(anEvent(b));
      await h().repos.events.append(anEvent(other));
      const updated = await h().repos.events.append(anEvent(b, 'booking.rescheduled'));
      const cancelled = await h().repos.events.append(anEvent(b, 'booking.cancelled'));

      const history = await h().repos.events.historyOf(b.id);
      expect(history).toEqual([created, updated, cancelled]);
      expect(history.map((e) => e.type)).toEqual(['booking.created', 'booking.rescheduled', 'booking.cancelled']);
    });

    it('historyOf a booking without events is empty', async () => {
      const b = await newBooking();
      expect(await h().repos.events.historyOf(b.id)).toEqual([]);
      expect(await h().repos.events.historyOf(987_654_321)).toEqual([]);
    });

    it('an event appended in a failed transaction is not kept', async () => {
      const b = await newBooking();
      await expect(
        h().uow.run(async (repos) => {
          await repos.events.append(anEvent(b));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await h().peek.eventsOf(b.id)).toEqual([]);
      expect(await h().repos.events.historyOf(b.id)).toEqual([]);
    });

    it('ids become visible in commit order: a poller never sees a later id before an earlier one', async () => {
      const start = await high();
      const first = await newBooking();
      const second = await newBooking();
      // Warm a few pooled connections so that connecting does not hide a race.
      await Promise.all([0, 1, 2, 3].map(() => h().repos.events.historyOf(first.id)));
      const hold = gate();
      const appended = gate();

      const slow = h().uow.run(async (repos) => {
        const e = await repos.events.append(anEvent(first));
        appended.open();
        await hold.opened;
        return e;
      });
      await appended.opened;
      const fast = h().uow.run((repos) => repos.events.append(anEvent(second)));

      const snapshots: number[][] = [];
      let done = false;
      const poller = (async () => {
        while (!done) {
          snapshots.push(ids(await h().repos.events.listAfter(start, 10)));
          await sleep(10);
        }
      })();
      // Give `fast` every chance to commit ahead of `slow`; it must not become visible before it.
      await Promise.race([fast, sleep(500)]);
      await sleep(30);
      hold.open();
      const [e1, e2] = await Promise.all([slow, fast]);
      done = true;
      await poller;

      expect(e2.id).toBeGreaterThan(e1.id);
      const final = ids(await h().repos.events.listAfter(start, 10));
      expect(final).toEqual([e1.id, e2.id]);
      // Each snapshot is a prefix of the final order: nothing was ever skipped over.
      for (const seen of snapshots) expect(final.slice(0, seen.length)).toEqual(seen);
    });
  });
}
