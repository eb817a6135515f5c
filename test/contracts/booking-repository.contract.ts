import { NewHold } from '../../src/application/ports/hold-repository';
import { StaleDecisionError } from '../../src/application/ports/unit-of-work';
import { bookingView, bookingViewWithoutId } from '../../src/application/views';
import { Booking } from '../../src/domain/booking';
import { HoldExpiredError } from '../../src/domain/errors';
import { Provider } from '../../src/domain/provider';
import { aBooking, anEvent, aProvider, NO_BASIS, NOW, storeBooking, zones } from '../support/builders';
import { MakeHarness, useHarness } from './harness';

const MINUTE = 60_000;

export function describeBookingRepositoryContract(name: string, makeHarness: MakeHarness): void {
  describe(`BookingRepository and AgendaRepository contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    const newProvider = (timezone = 'UTC', capacity = 1): Promise<Provider> =>
      h().repos.providers.create(aProvider().inZone(timezone).withCapacity(capacity).build());
    const book = (b: ReturnType<typeof aBooking>): Promise<Booking> => storeBooking(h().repos, b);
    const ids = (bookings: { id: number }[]) => bookings.map((b) => b.id);
    const occupyingOf = async (bookingId: number) => (await h().peek.occupanciesOf(bookingId)).filter((o) => o.status === 'occupying');
    /** A move of `b` to the builder's span: its next state and placement. */
    const move = (b: Booking, to: ReturnType<typeof aBooking>) => {
      const next: Booking = { ...b, ...to.build(), id: b.id, version: b.version + 1 };
      return h().repos.bookings.update(next, [to.placement()], anEvent('booking.rescheduled'), bookingViewWithoutId(next, zones), NO_BASIS);
    };

    describe('create and read back', () => {
      it('stores every field, its view, its event and its occupancy, and gives the booking an id', async () => {
        const p = await newProvider('Europe/Paris');
        const builder = aBooking().of(p).at('2027-06-10', '09:15').lasting(50).withBuffers(10, 5).createdBy(42).withCustomer('Ada', 'ada@example.com', 'second floor').createdAt(NOW + 7);
        const input = builder.build();
        const id = await h().repos.bookings.create(input, [builder.placement()], anEvent('booking.created', NOW + 7, 42), bookingViewWithoutId(input, zones), NO_BASIS);
        const saved = { ...input, id };

        expect(await h().peek.booking(id)).toEqual(saved);
        expect(await h().repos.bookings.getById(id)).toEqual(saved);
        expect(JSON.parse((await h().peek.viewOf(id))!)).toEqual(bookingView(saved, zones));
        expect(await h().peek.eventsOf(id)).toEqual([
          expect.objectContaining({ type: 'booking.created', at: NOW + 7, actor: 42, bookingId: id, providerId: p.id, providerIds: [p.id], bookingOwner: 42, booking: bookingView(saved, zones) }),
        ]);
        expect(await h().peek.occupanciesOf(id)).toEqual([
          expect.objectContaining({ providerId: p.id, lane: 1, blockStart: input.startsAt - 10 * MINUTE, blockEnd: input.endsAt + 5 * MINUTE, startsAt: input.startsAt, bookingId: id, holdId: null, expiresAt: null, status: 'occupying' }),
        ]);
      });

      it('keeps nulls as nulls, and a booking that ends at midnight keeps end minute 1440', async () => {
        const p = await newProvider();
        const saved = await book(aBooking().of(p).at('2027-06-10', '23:30').lasting(30));
        expect(await h().peek.booking(saved.id)).toMatchObject({ customerName: null, customerEmail: null, notes: null, createdBy: null, cancelledAt: null, endMinute: 1440, serviceId: null, seriesId: null });
      });

      it('records who made a change: an API key, an in-process caller, or the customer', async () => {
        const p = await newProvider();
        const a = await storeBooking(h().repos, aBooking().of(p).at('2027-06-10', '08:00'), anEvent('booking.created', NOW, 5));
        const b = await storeBooking(h().repos, aBooking().of(p).at('2027-06-10', '09:00'), anEvent('booking.created', NOW, 'customer'));
        expect((await h().peek.eventsOf(a.id))[0].actor).toBe(5);
        expect((await h().peek.eventsOf(b.id))[0].actor).toBe('customer');
      });

      it('getById and getForUpdate of an absent booking are null', async () => {
        expect(await h().repos.bookings.getById(987_654_321)).toBeNull();
        expect(await h().uow.run((repos) => repos.bookings.getForUpdate(987_654_321))).toBeNull();
      });

      it('getForUpdate reads the booking inside a transaction, cancelled ones too', async () => {
        const p = await newProvider();
        const saved = await book(aBooking().of(p).at('2027-06-11', '09:00').cancelled());
        expect(await h().uow.run((repos) => repos.bookings.getForUpdate(saved.id))).toEqual(saved);
      });
    });

    describe('no two occupancies on one lane at once, half-open [start, end)', () => {
      it('touching spans do not overlap', async () => {
        const p = await newProvider();
        await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));
        await book(aBooking().of(p).at('2027-06-01', '11:00').lasting(60));
        await book(aBooking().of(p).at('2027-06-01', '09:00').lasting(60));
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(3);
      });

      it('one minute of overlap on the lane is stale, at either end, and nothing is stored', async () => {
        const p = await newProvider();
        const kept = await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));

        await expect(book(aBooking().of(p).at('2027-06-01', '10:59').lasting(60))).rejects.toThrow(StaleDecisionError);
        await expect(book(aBooking().of(p).at('2027-06-01', '09:01').lasting(60))).rejects.toThrow(StaleDecisionError);
        await expect(book(aBooking().of(p).at('2027-06-01', '10:15').lasting(5))).rejects.toThrow(StaleDecisionError);
        await expect(book(aBooking().of(p).at('2027-06-01', '09:00').lasting(180))).rejects.toThrow(StaleDecisionError);

        expect(ids(await h().peek.bookingsOf(p.id))).toEqual([kept.id]);
      });

      it('another lane within the capacity takes the same span; a lane above it is refused', async () => {
        const p = await newProvider('UTC', 2);
        await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));
        await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60).onLane(2));
        await expect(book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60).onLane(3))).rejects.toThrow(StaleDecisionError);
        await expect(book(aBooking().of(p).at('2027-06-01', '10:30').lasting(60).onLane(2))).rejects.toThrow(StaleDecisionError);
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(2);
      });

      it('the same span at another provider is free', async () => {
        const p = await newProvider();
        const q = await newProvider();
        await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));
        await book(aBooking().of(q).at('2027-06-01', '10:00').lasting(60));
        expect(await h().peek.bookingsOf(q.id)).toHaveLength(1);
      });

      it('a cancelled booking occupies nothing', async () => {
        const p = await newProvider();
        const cancelled = await book(aBooking().of(p).at('2027-06-02', '10:00').lasting(60).cancelled());
        await book(aBooking().of(p).at('2027-06-02', '10:00').lasting(60));
        expect(await h().peek.occupanciesOf(cancelled.id)).toEqual([]);
      });

      it('a pending booking occupies like an active one', async () => {
        const p = await newProvider();
        await book(aBooking().of(p).at('2027-06-02', '12:00').lasting(60).pending());
        await expect(book(aBooking().of(p).at('2027-06-02', '12:30').lasting(60))).rejects.toThrow(StaleDecisionError);
      });

      it('buffers are what collide: the widened spans, not the bare ones', async () => {
        const p = await newProvider();
        // 10:00-11:00 with 15 minutes after: blocks until 11:15.
        await book(aBooking().of(p).at('2027-06-04', '10:00').lasting(60).withBuffers(0, 15));
        await expect(book(aBooking().of(p).at('2027-06-04', '11:00').lasting(60))).rejects.toThrow(StaleDecisionError);
        await expect(book(aBooking().of(p).at('2027-06-04', '11:10').lasting(30))).rejects.toThrow(StaleDecisionError);
        await book(aBooking().of(p).at('2027-06-04', '11:15').lasting(60));
        // 13:00 with 50 minutes before blocks from 12:10, into 11:15-12:15; with 45 it blocks from 12:15 and only touches it.
        await expect(book(aBooking().of(p).at('2027-06-04', '13:00').lasting(30).withBuffers(50, 0))).rejects.toThrow(StaleDecisionError);
        await book(aBooking().of(p).at('2027-06-04', '13:00').lasting(30).withBuffers(45, 0));
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(3);
      });
    });

    describe('update', () => {
      it('cancelling releases the occupancy at once and records the event and the new view', async () => {
        const p = await newProvider();
        const first = await book(aBooking().of(p).at('2027-06-03', '10:00').lasting(60));
        const cancelled: Booking = { ...first, status: 'cancelled', cancelledAt: NOW, version: 2 };
        await h().repos.bookings.update(cancelled, null, anEvent('booking.cancelled'), bookingViewWithoutId(cancelled, zones), NO_BASIS);
        expect(await occupyingOf(first.id)).toEqual([]);
        expect(JSON.parse((await h().peek.viewOf(first.id))!)).toMatchObject({ status: 'cancelled', version: 2 });
        expect((await h().peek.eventsOf(first.id)).map((e) => e.type)).toEqual(['booking.created', 'booking.cancelled']);
        await book(aBooking().of(p).at('2027-06-03', '10:00').lasting(60));
      });

      it('moving takes the new span and frees the old one', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-06-05', '12:00').lasting(60));
        await move(b, aBooking().of(p).at('2027-06-05', '15:00').lasting(60));
        expect(await occupyingOf(b.id)).toEqual([expect.objectContaining({ blockStart: Date.parse('2027-06-05T15:00:00Z') })]);
        await book(aBooking().of(p).at('2027-06-05', '12:00').lasting(60));
      });

      it('moving onto a taken lane is stale and changes nothing', async () => {
        const p = await newProvider();
        await book(aBooking().of(p).at('2027-06-05', '10:00').lasting(60));
        const mover = await book(aBooking().of(p).at('2027-06-06', '12:00').lasting(60));
        await expect(move(mover, aBooking().of(p).at('2027-06-05', '10:30').lasting(60))).rejects.toThrow(StaleDecisionError);
        expect(await h().peek.booking(mover.id)).toEqual(mover);
        expect(await occupyingOf(mover.id)).toEqual([expect.objectContaining({ startsAt: mover.startsAt })]);
      });

      it('moving within its own span works: a booking never collides with itself', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-06-06', '10:00').lasting(60));
        await move(b, aBooking().of(p).at('2027-06-06', '10:30').lasting(60));
        expect(await h().peek.booking(b.id)).toMatchObject({ id: b.id, startMinute: 630, startsAt: b.startsAt + 30 * MINUTE, version: 2 });
      });

      it('a write from a stale version is stale and changes nothing', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-07-02', '10:00'));
        const first: Booking = { ...b, notes: 'first', version: 2 };
        await h().repos.bookings.update(first, null, anEvent('booking.updated'), bookingViewWithoutId(first, zones), NO_BASIS);
        for (const version of [2, 1, 4]) {
          const later: Booking = { ...b, notes: 'later', version };
          await expect(h().repos.bookings.update(later, null, anEvent('booking.updated'), bookingViewWithoutId(later, zones), NO_BASIS)).rejects.toThrow(StaleDecisionError);
        }
        expect(await h().peek.booking(b.id)).toMatchObject({ notes: 'first', version: 2 });
        expect(await h().peek.eventsOf(b.id)).toHaveLength(2);
      });

      it('never changes the creator, the creation time or the manage token', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-07-05', '10:00').createdBy(7));
        const next: Booking = { ...b, createdBy: 8, createdAt: 1, manageTokenHash: 'other', version: 2 };
        await h().repos.bookings.update(next, null, anEvent('booking.updated'), bookingViewWithoutId(next, zones), NO_BASIS);
        expect(await h().peek.booking(b.id)).toMatchObject({ createdBy: 7, createdAt: b.createdAt, manageTokenHash: b.manageTokenHash, version: 2 });
      });
    });

    describe('what a write relies on', () => {
      it('a provider whose rules changed since the decision makes the write stale, and nothing is stored', async () => {
        const p = await newProvider();
        const builder = aBooking().of(p).at('2027-07-10', '10:00');
        const booking = builder.build();
        await h().uow.run((repos) => repos.providers.reviseRules(p.id));
        const basis = { revisions: new Map([[p.id, p.revision]]), expired: [] };
        await expect(h().repos.bookings.create(booking, [builder.placement()], anEvent(), bookingViewWithoutId(booking, zones), basis)).rejects.toThrow(StaleDecisionError);
        expect(await h().peek.bookingsOf(p.id)).toEqual([]);
        const current = { revisions: new Map([[p.id, p.revision + 1]]), expired: [] };
        await h().repos.bookings.create(booking, [builder.placement()], anEvent(), bookingViewWithoutId(booking, zones), current);
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(1);
      });

      it('an expired hold in the way is released by the write that needs its lane', async () => {
        const p = await newProvider();
        const held = aBooking().of(p).at('2027-07-11', '10:00');
        const holdId = await h().repos.holds.create(aHold(p, held, NOW + 60_000), [held.placement()], NO_BASIS);
        const [occupancy] = (await h().repos.agendas.load([p.id], 0, Number.MAX_SAFE_INTEGER)).get(p.id)!.occupied;
        expect(occupancy).toMatchObject({ holdId, expiresAt: NOW + 60_000 });
        const booking = held.build();
        await expect(h().repos.bookings.create(booking, [held.placement()], anEvent(), bookingViewWithoutId(booking, zones), NO_BASIS)).rejects.toThrow(StaleDecisionError);
        const id = await h().repos.bookings.create(booking, [held.placement()], anEvent(), bookingViewWithoutId(booking, zones), { revisions: new Map(), expired: [occupancy.id] });
        expect(await occupyingOf(id)).toHaveLength(1);
      });

      it('inside a unit of work, other occupancies move lanes first, never sharing one on the way', async () => {
        const p = await newProvider('UTC', 2);
        // 09-11 on lane 1 and 12-14 on lane 2 leave no single lane free for 10-13, though two would do.
        const a = await book(aBooking().of(p).at('2027-07-12', '09:00').lasting(120));
        const b = await book(aBooking().of(p).at('2027-07-12', '12:00').lasting(120).onLane(2));
        const [, ob] = [...(await occupyingOf(a.id)), ...(await occupyingOf(b.id))];
        const middle = aBooking().of(p).at('2027-07-12', '10:00').lasting(180).onLane(2);
        const booking = middle.build();
        await h().uow.run((repos) =>
          repos.bookings.create(booking, [middle.placement()], anEvent(), bookingViewWithoutId(booking, zones), { revisions: new Map(), expired: [], laneChanges: [{ occupancyId: ob.id, lane: 1 }] }),
        );
        expect((await occupyingOf(b.id))[0].lane).toBe(1);
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(3);
      });
    });

    describe('createFromHold', () => {
      it('turns a live hold into the booking: its occupancies become the booking’s, the hold ends converted', async () => {
        const p = await newProvider();
        const held = aBooking().of(p).at('2027-07-20', '10:00');
        const holdId = await h().repos.holds.create(aHold(p, held, NOW + 300_000), [held.placement()], NO_BASIS);
        const booking = held.build();
        const id = await h().repos.bookings.createFromHold(holdId, NOW, booking, anEvent(), bookingViewWithoutId(booking, zones));
        expect(await h().repos.holds.getById(holdId)).toMatchObject({ status: 'converted' });
        expect(await occupyingOf(id)).toEqual([expect.objectContaining({ bookingId: id, holdId: null, expiresAt: null, lane: 1 })]);
        expect(await h().peek.eventsOf(id)).toHaveLength(1);
      });

      it('refuses a hold that expired, was released or was already converted, and stores nothing', async () => {
        const p = await newProvider();
        const held = aBooking().of(p).at('2027-07-21', '10:00');
        const booking = held.build();
        const view = bookingViewWithoutId(booking, zones);
        const expiring = await h().repos.holds.create(aHold(p, held, NOW + 1_000), [held.placement()], NO_BASIS);
        await expect(h().repos.bookings.createFromHold(expiring, NOW + 1_000, booking, anEvent(), view)).rejects.toThrow(HoldExpiredError);
        await h().repos.holds.release(expiring);
        const released = await h().repos.holds.create(aHold(p, held, NOW + 60_000), [held.placement()], NO_BASIS);
        await h().repos.holds.release(released);
        await expect(h().repos.bookings.createFromHold(released, NOW, booking, anEvent(), view)).rejects.toThrow(HoldExpiredError);
        expect(await h().peek.bookingsOf(p.id)).toEqual([]);
      });

      it('refuses a hold whose lane a writer with a later clock released as expired and took, and stores nothing', async () => {
        const p = await newProvider();
        const held = aBooking().of(p).at('2027-07-22', '10:00');
        const holdId = await h().repos.holds.create(aHold(p, held, NOW + 1_000), [held.placement()], NO_BASIS);
        const [occupancy] = (await h().repos.agendas.load([p.id], 0, Number.MAX_SAFE_INTEGER)).get(p.id)!.occupied;
        // A booking judged at NOW + 1000 found the hold expired: it released the hold's lane and took it.
        const other = held.build();
        const otherId = await h().repos.bookings.create(other, [held.placement()], anEvent(), bookingViewWithoutId(other, zones), { revisions: new Map(), expired: [occupancy.id] });
        // A conversion that read its clock (NOW) before the hold expired writes only now.
        const booking = held.build();
        await expect(h().repos.bookings.createFromHold(holdId, NOW, booking, anEvent(), bookingViewWithoutId(booking, zones))).rejects.toThrow(HoldExpiredError);
        expect(ids(await h().peek.bookingsOf(p.id))).toEqual([otherId]);
        expect(await occupyingOf(otherId)).toHaveLength(1);
      });
    });

    describe('AgendaRepository.load', () => {
      const t = (time: string) => Date.parse(`2027-08-01T${time}:00Z`);

      it('gives each existing provider with its schedule and the occupancies meeting [from, to), by span start', async () => {
        const p = await newProvider('Europe/Berlin', 3);
        const q = await newProvider();
        const late = await book(aBooking().of(p).at('2027-08-01', '15:00').lasting(60));
        const early = await book(aBooking().of(p).at('2027-08-01', '08:00').lasting(60).withBuffers(15, 30));
        await book(aBooking().of(p).at('2027-08-01', '12:00').lasting(60).cancelled());
        await book(aBooking().of(q).at('2027-08-01', '09:00').lasting(60));

        const agendas = await h().repos.agendas.load([p.id, 987_654_321], t('00:00'), t('23:00'));
        expect([...agendas.keys()]).toEqual([p.id]);
        const agenda = agendas.get(p.id)!;
        expect(agenda.provider).toMatchObject({ id: p.id, timezone: 'Europe/Berlin', capacity: 3 });
        expect(agenda.schedule).toBeNull();
        expect(agenda.occupied.map((o) => o.bookingId)).toEqual([early.id, late.id]);
        expect(agenda.occupied[0]).toMatchObject({ providerId: p.id, lane: 1, blockStart: early.startsAt - 15 * MINUTE, blockEnd: early.endsAt + 30 * MINUTE, startsAt: early.startsAt });
      });

      it('is half-open at both ends and finds a long span that began well before', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-08-01', '08:00').lasting(480).withBuffers(240, 240));
        const seen = async (from: string, to: string) => (await h().repos.agendas.load([p.id], t(from), t(to))).get(p.id)!.occupied.map((o) => o.bookingId);
        expect(await seen('19:59', '21:00')).toEqual([b.id]);
        expect(await seen('20:00', '21:00')).toEqual([]);
        expect(await seen('00:00', '04:00')).toEqual([]);
        expect(await seen('00:00', '04:01')).toEqual([b.id]);
      });

      it('locks the providers inside a unit of work (and reads the same)', async () => {
        const p = await newProvider();
        const agendas = await h().uow.run((repos) => repos.agendas.load([p.id], t('00:00'), t('23:00')));
        expect(agendas.get(p.id)?.provider.id).toBe(p.id);
      });
    });

    describe('list and listViews', () => {
      // Every test lists by its own creator (or provider) so the others' rows never show.
      let owner = 10_000 + Math.floor(Math.random() * 1_000_000);
      const nextOwner = () => ++owner;

      it('orders by (startsAt, id), ties on startsAt broken by id; views come as stored', async () => {
        const me = nextOwner();
        const [p, q, r] = [await newProvider(), await newProvider(), await newProvider()];
        const noon1 = await book(aBooking().of(q).at('2027-09-01', '12:00').createdBy(me));
        const early = await book(aBooking().of(r).at('2027-09-01', '08:00').createdBy(me));
        const noon2 = await book(aBooking().of(p).at('2027-09-01', '12:00').createdBy(me));
        const noon3 = await book(aBooking().of(r).at('2027-09-01', '12:00').createdBy(me));
        const nextDay = await book(aBooking().of(p).at('2027-09-02', '07:00').createdBy(me));

        const rows = await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 50 });
        expect(ids(rows)).toEqual([early.id, noon1.id, noon2.id, noon3.id, nextDay.id]);
        expect(rows[1]).toEqual(noon1);
        const views = await h().repos.bookings.listViews({ createdBy: me, status: 'active', limit: 50 });
        expect(ids(views)).toEqual(ids(rows));
        expect(views[1]).toEqual({ id: noon1.id, startsAt: noon1.startsAt, json: await h().peek.viewOf(noon1.id) });
        expect(JSON.parse(views[1].json)).toEqual(bookingView(noon1, zones));
      });

      it('keyset: strictly after (startsAt, id), through a tie, each booking once', async () => {
        const me = nextOwner();
        const ps = [await newProvider(), await newProvider(), await newProvider()];
        const made: Booking[] = [];
        for (const time of ['09:00', '10:00', '11:00']) {
          for (const p of ps) made.push(await book(aBooking().of(p).at('2027-09-03', time).createdBy(me)));
        }
        const expected = [...made].sort((a, b) => a.startsAt - b.startsAt || a.id - b.id).map((b) => b.id);

        const seen: number[] = [];
        let after: { startsAt: number; id: number } | undefined;
        for (;;) {
          const page = await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 2, after });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(2);
          seen.push(...ids(page));
          const last = page[page.length - 1];
          after = { startsAt: last.startsAt, id: last.id };
        }
        expect(seen).toEqual(expected);

        const tie = made.filter((b) => b.startsAt === made[3].startsAt).sort((a, b) => a.id - b.id);
        const rest = await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 50, after: { startsAt: tie[0].startsAt, id: tie[0].id } });
        expect(ids(rest).slice(0, 2)).toEqual([tie[1].id, tie[2].id]);
      });

      it('honours the limit', async () => {
        const me = nextOwner();
        const p = await newProvider();
        for (const time of ['09:00', '10:00', '11:00']) await book(aBooking().of(p).at('2027-09-04', time).createdBy(me));
        expect(await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 2 })).toHaveLength(2);
        expect(await h().repos.bookings.listViews({ createdBy: me, status: 'active', limit: 1 })).toHaveLength(1);
      });

      it('filters by status: active, pending, cancelled or all', async () => {
        const me = nextOwner();
        const p = await newProvider();
        const active = await book(aBooking().of(p).at('2027-09-05', '09:00').createdBy(me));
        const cancelled = await book(aBooking().of(p).at('2027-09-05', '10:00').createdBy(me).cancelled());
        const pending = await book(aBooking().of(p).at('2027-09-05', '11:00').createdBy(me).pending());

        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 50 }))).toEqual([active.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'cancelled', limit: 50 }))).toEqual([cancelled.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'pending', limit: 50 }))).toEqual([pending.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'all', limit: 50 }))).toEqual([active.id, cancelled.id, pending.id]);
      });

      it('filters by provider (any the booking takes, cancelled ones too) and by creator, together too', async () => {
        const me = nextOwner();
        const someoneElse = nextOwner();
        const p = await newProvider();
        const q = await newProvider();
        const mineAtP = await book(aBooking().of(p).at('2027-09-06', '09:00').createdBy(me));
        const mineAtQ = await book(aBooking().of(q).at('2027-09-06', '09:00').createdBy(me));
        const theirsAtP = await book(aBooking().of(p).at('2027-09-06', '10:00').createdBy(someoneElse));
        const systemAtP = await book(aBooking().of(p).at('2027-09-06', '11:00'));
        const cancelledAtP = await h().repos.bookings.getById(systemAtP.id).then(async (b) => {
          const next: Booking = { ...b!, status: 'cancelled', cancelledAt: NOW, version: 2 };
          await h().repos.bookings.update(next, null, anEvent('booking.cancelled'), bookingViewWithoutId(next, zones), NO_BASIS);
          return next;
        });

        expect(ids(await h().repos.bookings.list({ providerId: p.id, status: 'all', limit: 50 }))).toEqual([mineAtP.id, theirsAtP.id, cancelledAtP.id]);
        expect(ids(await h().repos.bookings.list({ providerId: p.id, status: 'active', limit: 50 }))).toEqual([mineAtP.id, theirsAtP.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'all', limit: 50 }))).toEqual([mineAtP.id, mineAtQ.id]);
        expect(ids(await h().repos.bookings.listViews({ providerId: q.id, createdBy: me, status: 'all', limit: 50 }))).toEqual([mineAtQ.id]);
        expect(await h().repos.bookings.list({ providerId: q.id, createdBy: someoneElse, status: 'all', limit: 50 })).toEqual([]);
      });

      it('a booking of several providers is listed once under each of them', async () => {
        const [p, q] = [await newProvider(), await newProvider()];
        const builder = aBooking().of(p).at('2027-09-09', '09:00');
        const booking = { ...builder.build(), providerIds: [p.id, q.id] };
        const placements = [builder.placement(), { ...builder.placement(), providerId: q.id }];
        const id = await h().repos.bookings.create(booking, placements, anEvent(), bookingViewWithoutId(booking, zones), NO_BASIS);
        expect(ids(await h().repos.bookings.list({ providerId: p.id, status: 'active', limit: 50 }))).toEqual([id]);
        expect(ids(await h().repos.bookings.listViews({ providerId: q.id, status: 'active', limit: 50 }))).toEqual([id]);
        expect((await h().peek.booking(id))?.providerIds).toEqual([p.id, q.id]);
      });

      it('from and to are inclusive local dates, not UTC dates', async () => {
        const me = nextOwner();
        const auckland = await newProvider('Pacific/Auckland');
        const losAngeles = await newProvider('America/Los_Angeles');
        // 2027-03-10 08:00 in Auckland is 2027-03-09 19:00Z; 2027-03-09 20:00 in Los Angeles is 2027-03-10 04:00Z.
        const akl = await book(aBooking().of(auckland).at('2027-03-10', '08:00').createdBy(me));
        const lax = await book(aBooking().of(losAngeles).at('2027-03-09', '20:00').createdBy(me));
        const before = await book(aBooking().of(losAngeles).at('2027-03-08', '23:30').createdBy(me));
        const after = await book(aBooking().of(auckland).at('2027-03-11', '00:00').createdBy(me));
        const list = (fromDate?: string, toDate?: string) =>
          h().repos.bookings.list({ createdBy: me, status: 'active', limit: 50, fromDate, toDate }).then(ids);

        expect(await list('2027-03-10', '2027-03-10')).toEqual([akl.id]);
        expect(await list('2027-03-09', '2027-03-09')).toEqual([lax.id]);
        expect(await list('2027-03-09', '2027-03-10')).toEqual([akl.id, lax.id]);
        expect(await list('2027-03-09')).toEqual([akl.id, lax.id, after.id]);
        expect(await list(undefined, '2027-03-09')).toEqual([before.id, lax.id]);
        expect(await list('2027-03-12')).toEqual([]);
        expect(ids(await h().repos.bookings.list({ providerId: auckland.id, status: 'active', limit: 50, fromDate: '2027-03-10', toDate: '2027-03-10' }))).toEqual([akl.id]);
      });

      it('combines the date filter with the keyset position', async () => {
        const me = nextOwner();
        const p = await newProvider();
        const a = await book(aBooking().of(p).at('2027-09-07', '09:00').createdBy(me));
        const b = await book(aBooking().of(p).at('2027-09-07', '10:00').createdBy(me));
        await book(aBooking().of(p).at('2027-09-08', '10:00').createdBy(me));
        const query = { status: 'active' as const, limit: 50, fromDate: '2027-09-07', toDate: '2027-09-07', after: { startsAt: a.startsAt, id: a.id } };
        expect(ids(await h().repos.bookings.list({ ...query, createdBy: me }))).toEqual([b.id]);
        expect(ids(await h().repos.bookings.list({ ...query, providerId: p.id }))).toEqual([b.id]);
      });
    });
  });
}

/** A live hold of the builder's span, expiring at `expiresAt`. */
function aHold(provider: Provider, builder: ReturnType<typeof aBooking>, expiresAt: number): NewHold {
  const b = builder.build();
  return {
    providerId: provider.id,
    providerIds: [provider.id],
    serviceId: null,
    date: b.date,
    startMinute: b.startMinute,
    durationMinutes: b.durationMinutes,
    endMinute: b.endMinute,
    timezone: b.timezone,
    startsAt: b.startsAt,
    endsAt: b.endsAt,
    expiresAt,
    status: 'live',
    createdBy: null,
    createdAt: NOW,
  };
}
