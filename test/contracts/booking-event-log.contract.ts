import { BookingEvent } from '../../src/application/ports/booking-event-log';
import { bookingView, bookingViewWithoutId } from '../../src/application/views';
import { Booking } from '../../src/domain/booking';
import { aBooking, anEvent, aProvider, NO_BASIS, NOW, storeBooking, zones } from '../support/builders';
import { gate, MakeHarness, sleep, useHarness } from './harness';

export function describeBookingEventLogContract(name: string, makeHarness: MakeHarness): void {
  describe(`BookingEventLog contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    /** A booking of its own provider, created by `owner`, with its booking.created event. */
    const newBooking = async (owner: number | null = null, repos = h().repos): Promise<Booking> => {
      const p = await h().repos.providers.create(aProvider().build());
      return storeBooking(repos, aBooking().of(p).at('2027-10-01', '10:00').createdBy(owner));
    };
    /** Records a change of `b` (notes) with its event, in the repositories given. */
    const change = async (b: Booking, type: 'booking.updated' | 'booking.cancelled' = 'booking.updated', repos = h().repos): Promise<Booking> => {
      const current = (await repos.bookings.getById(b.id))!;
      const next: Booking = { ...current, notes: `n${current.version}`, version: current.version + 1, ...(type === 'booking.cancelled' ? { status: 'cancelled', cancelledAt: NOW } : {}) };
      await repos.bookings.update(next, null, anEvent(type), bookingViewWithoutId(next, zones), NO_BASIS);
      return next;
    };
    const feed = async (after: number, limit: number, owner?: number) => {
      await h().repos.events.publish();
      return h().repos.events.listAfter(after, limit, owner);
    };
    const ids = (events: BookingEvent[]) => events.map((e) => e.id);
    const bookingsOf = (events: BookingEvent[]) => events.map((e) => `${e.bookingId}:${e.type}`);
    /** The position below every event written from now on. */
    const high = async () => {
      let after = 0;
      for (;;) {
        const page = await feed(after, 500);
        if (page.length === 0) return after;
        after = page[page.length - 1].id;
      }
    };

    it('a write records its event as the booking became, and the feed shows it with a position', async () => {
      const start = await high();
      const b = await newBooking(5);
      const [event] = await feed(start, 10);
      expect(event).toEqual({
        id: expect.any(Number),
        type: 'booking.created',
        at: NOW,
        actor: null,
        bookingId: b.id,
        providerId: b.providerId,
        providerIds: [b.providerId],
        bookingOwner: 5,
        changes: {},
        booking: bookingView(b, zones),
      });
      expect(event.id).toBeGreaterThan(start);
    });

    it('positions rise with every event, and listAfter returns those strictly after, in order, up to the limit', async () => {
      const start = await high();
      const b = await newBooking();
      const c = await newBooking();
      await change(b);
      const events = await feed(start, 10);
      expect(bookingsOf(events)).toEqual([`${b.id}:booking.created`, `${c.id}:booking.created`, `${b.id}:booking.updated`]);
      expect(ids(events)).toEqual([...ids(events)].sort((x, y) => x - y));
      expect(new Set(ids(events)).size).toBe(3);
      expect(ids(await feed(start, 2))).toEqual(ids(events).slice(0, 2));
      expect(await feed(events[0].id, 1)).toEqual([events[1]]);
      expect(await feed(events[2].id, 10)).toEqual([]);
    });

    it("listAfter with an owner returns only that owner's bookings' events", async () => {
      const start = await high();
      const mine = await newBooking(71);
      await newBooking(72);
      await newBooking(null);
      await change(mine, 'booking.cancelled');
      const all = await feed(start, 10);
      const own = await feed(start, 10, 71);

      expect(bookingsOf(own)).toEqual([`${mine.id}:booking.created`, `${mine.id}:booking.cancelled`]);
      expect(ids(await feed(own[0].id, 10, 71))).toEqual([own[1].id]);
      expect(ids(await feed(start, 1, 71))).toEqual([own[0].id]);
      expect(await feed(start, 10, 73)).toEqual([]);
      expect(all).toHaveLength(4);
    });

    it("historyOf returns one booking's events, oldest first", async () => {
      const b = await newBooking();
      await newBooking();
      await change(b);
      await change(b, 'booking.cancelled');
      const history = await h().repos.events.historyOf(b.id);
      expect(history.map((e) => e.type)).toEqual(['booking.created', 'booking.updated', 'booking.cancelled']);
      expect(history[2].booking).toMatchObject({ id: b.id, status: 'cancelled', version: 3 });
    });

    it('historyOf a booking without events is empty', async () => {
      expect(await h().repos.events.historyOf(987_654_321)).toEqual([]);
    });

    it('an event written in a failed transaction is not kept', async () => {
      const b = await newBooking();
      await expect(
        h().uow.run(async (repos) => {
          await change(b, 'booking.updated', repos);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await h().peek.eventsOf(b.id)).toHaveLength(1);
      expect((await h().repos.events.historyOf(b.id)).map((e) => e.type)).toEqual(['booking.created']);
    });

    it('a change held open blocks no other provider’s, and a poller following the feed never misses an event', async () => {
      const start = await high();
      const first = await newBooking();
      const others = await Promise.all(Array.from({ length: 4 }, () => newBooking()));
      await high();
      const hold = gate();
      const written = gate();

      const slow = h().uow.run(async (repos) => {
        const changed = await change(first, 'booking.updated', repos);
        written.open();
        await hold.opened;
        return changed;
      });
      await written.opened;
      const fast = Promise.all(others.map((o) => h().uow.run((repos) => change(o, 'booking.cancelled', repos))));

      const snapshots: number[][] = [];
      let done = false;
      const poller = (async () => {
        while (!done) {
          snapshots.push(ids(await feed(start, 100)));
          await sleep(10);
        }
      })();
      if (h().concurrentWriters) {
        // The other providers' changes commit while the first is still open.
        await expect(Promise.race([fast.then(() => 'committed'), sleep(5_000).then(() => 'blocked')])).resolves.toBe('committed');
      } else {
        await Promise.race([fast, sleep(300)]);
      }
      hold.open();
      await Promise.all([slow, fast]);
      await sleep(30);
      done = true;
      await poller;

      const final = await feed(start, 100);
      expect(bookingsOf(final).filter((e) => e.endsWith('booking.cancelled') || e === `${first.id}:booking.updated`).sort()).toEqual(
        [`${first.id}:booking.updated`, ...others.map((o) => `${o.id}:booking.cancelled`)].sort(),
      );
      // Each snapshot is a prefix of the final feed: nothing was ever skipped over, whatever committed late.
      for (const seen of snapshots) expect(ids(final).slice(0, seen.length)).toEqual(seen);
    });
  });
}
