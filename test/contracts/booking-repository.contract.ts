import { Booking } from '../../src/domain/booking';
import { SlotUnavailableError, VersionMismatchError } from '../../src/domain/errors';
import { Provider } from '../../src/domain/provider';
import { aBooking, aProvider, NOW } from '../support/builders';
import { MakeHarness, useHarness } from './harness';

const MINUTE = 60_000;

export function describeBookingRepositoryContract(name: string, makeHarness: MakeHarness): void {
  describe(`BookingRepository contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    const newProvider = (timezone = 'UTC'): Promise<Provider> => h().repos.providers.create(aProvider().inZone(timezone).build());
    const book = (b: ReturnType<typeof aBooking>): Promise<Booking> => h().repos.bookings.insert(b.build());
    const ids = (bookings: { id: number }[]) => bookings.map((b) => b.id);

    describe('insert and read back', () => {
      it('stores every field and gives the booking an id', async () => {
        const p = await newProvider('Europe/Paris');
        const input = aBooking()
          .of(p)
          .at('2027-06-10', '09:15')
          .lasting(50)
          .withBuffers(10, 5)
          .createdBy(42)
          .withCustomer('Ada', 'ada@example.com', 'second floor')
          .createdAt(NOW + 7)
          .build();
        const saved = await h().repos.bookings.insert(input);

        expect(saved).toEqual({ ...input, id: expect.any(Number) });
        expect(await h().peek.booking(saved.id)).toEqual(saved);
        expect(await h().repos.bookings.getById(saved.id)).toEqual(saved);
      });

      it('keeps nulls as nulls', async () => {
        const p = await newProvider();
        const saved = await book(aBooking().of(p).at('2027-06-10', '09:00'));
        expect(await h().peek.booking(saved.id)).toMatchObject({ customerName: null, customerEmail: null, notes: null, createdBy: null, cancelledAt: null });
      });

      it('a booking that ends at midnight keeps end minute 1440', async () => {
        const p = await newProvider();
        const saved = await book(aBooking().of(p).at('2027-06-10', '23:30').lasting(30));
        expect((await h().peek.booking(saved.id))?.endMinute).toBe(1440);
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

    describe('no overlap of active widened spans, half-open [start, end)', () => {
      it('touching bookings do not overlap', async () => {
        const p = await newProvider();
        await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));
        await book(aBooking().of(p).at('2027-06-01', '11:00').lasting(60));
        await book(aBooking().of(p).at('2027-06-01', '09:00').lasting(60));
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(3);
      });

      it('one minute of overlap is refused, at either end, and nothing is stored', async () => {
        const p = await newProvider();
        const kept = await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));

        await expect(book(aBooking().of(p).at('2027-06-01', '10:59').lasting(60))).rejects.toThrow(SlotUnavailableError);
        await expect(book(aBooking().of(p).at('2027-06-01', '09:01').lasting(60))).rejects.toThrow(SlotUnavailableError);
        await expect(book(aBooking().of(p).at('2027-06-01', '10:15').lasting(5))).rejects.toThrow(SlotUnavailableError);
        await expect(book(aBooking().of(p).at('2027-06-01', '09:00').lasting(180))).rejects.toThrow(SlotUnavailableError);

        expect(ids(await h().peek.bookingsOf(p.id))).toEqual([kept.id]);
      });

      it('the same span at another provider is free', async () => {
        const p = await newProvider();
        const q = await newProvider();
        await book(aBooking().of(p).at('2027-06-01', '10:00').lasting(60));
        await book(aBooking().of(q).at('2027-06-01', '10:00').lasting(60));
        expect(await h().peek.bookingsOf(q.id)).toHaveLength(1);
      });

      it('a cancelled booking does not occupy its span', async () => {
        const p = await newProvider();
        await book(aBooking().of(p).at('2027-06-02', '10:00').lasting(60).cancelled());
        await book(aBooking().of(p).at('2027-06-02', '10:00').lasting(60));
        // A cancelled booking may be stored over an active one as well.
        await book(aBooking().of(p).at('2027-06-02', '10:30').lasting(60).cancelled());
        expect((await h().peek.bookingsOf(p.id)).map((b) => b.status)).toEqual(['cancelled', 'active', 'cancelled']);
      });

      it('cancelling through update frees the span at once', async () => {
        const p = await newProvider();
        const first = await book(aBooking().of(p).at('2027-06-03', '10:00').lasting(60));
        await h().repos.bookings.update({ ...first, status: 'cancelled', cancelledAt: NOW, version: 2 });
        const second = await book(aBooking().of(p).at('2027-06-03', '10:00').lasting(60));
        expect((await h().peek.booking(second.id))?.status).toBe('active');
      });

      it('buffers are what collide: the widened spans, not the bare ones', async () => {
        const p = await newProvider();
        // 10:00-11:00 with 15 minutes after: blocks until 11:15.
        await book(aBooking().of(p).at('2027-06-04', '10:00').lasting(60).withBuffers(0, 15));
        await expect(book(aBooking().of(p).at('2027-06-04', '11:00').lasting(60))).rejects.toThrow(SlotUnavailableError);
        await expect(book(aBooking().of(p).at('2027-06-04', '11:10').lasting(30))).rejects.toThrow(SlotUnavailableError);
        await book(aBooking().of(p).at('2027-06-04', '11:15').lasting(60));
        // 13:00 with 50 minutes before blocks from 12:10, into 11:15-12:15; with 45 it blocks from 12:15 and only touches it.
        await expect(book(aBooking().of(p).at('2027-06-04', '13:00').lasting(30).withBuffers(50, 0))).rejects.toThrow(SlotUnavailableError);
        await book(aBooking().of(p).at('2027-06-04', '13:00').lasting(30).withBuffers(45, 0));
        expect(await h().peek.bookingsOf(p.id)).toHaveLength(3);
      });

      it('update onto an occupied span throws SlotUnavailableError and changes nothing', async () => {
        const p = await newProvider();
        await book(aBooking().of(p).at('2027-06-05', '10:00').lasting(60));
        const mover = await book(aBooking().of(p).at('2027-06-05', '12:00').lasting(60));
        const onto = aBooking().of(p).at('2027-06-05', '10:30').lasting(60).build();

        await expect(h().repos.bookings.update({ ...mover, ...onto, id: mover.id, version: 2 })).rejects.toThrow(SlotUnavailableError);
        expect(await h().peek.booking(mover.id)).toEqual(mover);
      });

      it('update within its own span is allowed (a booking never collides with itself)', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-06-06', '10:00').lasting(60));
        const moved = aBooking().of(p).at('2027-06-06', '10:30').lasting(60).build();

        const saved = await h().repos.bookings.update({ ...b, ...moved, id: b.id, version: 2 });
        expect(saved).toMatchObject({ id: b.id, startMinute: 630, startsAt: b.startsAt + 30 * MINUTE, version: 2 });
        expect(await h().peek.booking(b.id)).toEqual(saved);
      });

      it('re-activating a cancelled booking over an active one is refused', async () => {
        const p = await newProvider();
        const cancelled = await book(aBooking().of(p).at('2027-06-07', '10:00').lasting(60).cancelled());
        await book(aBooking().of(p).at('2027-06-07', '10:00').lasting(60));
        await expect(h().repos.bookings.update({ ...cancelled, status: 'active', cancelledAt: null, version: 2 })).rejects.toThrow(
          SlotUnavailableError,
        );
        expect((await h().peek.booking(cancelled.id))?.status).toBe('cancelled');
      });
    });

    describe('optimistic versions', () => {
      it('update with the next version writes every changed field', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-07-01', '10:00'));
        const next: Booking = { ...b, customerName: 'Grace', notes: 'moved', version: 2, updatedAt: NOW + 99 };
        expect(await h().repos.bookings.update(next)).toEqual(next);
        expect(await h().peek.booking(b.id)).toEqual(next);
      });

      it('update with a stale version throws VersionMismatchError and changes nothing', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-07-02', '10:00'));
        await h().repos.bookings.update({ ...b, notes: 'first', version: 2 });

        await expect(h().repos.bookings.update({ ...b, notes: 'second', version: 2 })).rejects.toThrow(VersionMismatchError);
        await expect(h().repos.bookings.update({ ...b, notes: 'same version', version: 1 })).rejects.toThrow(VersionMismatchError);
        await expect(h().repos.bookings.update({ ...b, notes: 'skips one', version: 4 })).rejects.toThrow(VersionMismatchError);
        expect(await h().peek.booking(b.id)).toMatchObject({ notes: 'first', version: 2 });
      });

      it('the mismatch names the stored version', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-07-03', '10:00').atVersion(5));
        await expect(h().repos.bookings.update({ ...b, version: 2 })).rejects.toMatchObject({
          code: 'VERSION_MISMATCH',
          details: { current_version: 5 },
        });
      });

      it('update of an absent booking throws VersionMismatchError', async () => {
        const p = await newProvider();
        const ghost = { ...aBooking().of(p).at('2027-07-04', '10:00').build(), id: 987_654_321, version: 2 };
        await expect(h().repos.bookings.update(ghost)).rejects.toThrow(VersionMismatchError);
        expect(await h().peek.booking(987_654_321)).toBeNull();
      });

      it('update never changes the provider, the creator or the creation time', async () => {
        const p = await newProvider();
        const q = await newProvider();
        const b = await book(aBooking().of(p).at('2027-07-05', '10:00').createdBy(7));
        await h().repos.bookings.update({ ...b, providerId: q.id, createdBy: 8, createdAt: 1, version: 2 });
        expect(await h().peek.booking(b.id)).toMatchObject({ providerId: p.id, createdBy: 7, createdAt: b.createdAt, version: 2 });
      });
    });

    describe('findOccupied', () => {
      const t = (time: string) => Date.parse(`2027-08-01T${time}:00Z`);

      it('returns active widened spans overlapping [from, to), half-open at both ends', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-08-01', '10:00').lasting(60));
        const span = { id: b.id, blockStart: t('10:00'), blockEnd: t('11:00') };

        expect(await h().repos.bookings.findOccupied(p.id, t('11:00'), t('12:00'))).toEqual([]);
        expect(await h().repos.bookings.findOccupied(p.id, t('09:00'), t('10:00'))).toEqual([]);
        expect(await h().repos.bookings.findOccupied(p.id, t('10:59'), t('12:00'))).toEqual([span]);
        expect(await h().repos.bookings.findOccupied(p.id, t('09:00'), t('10:01'))).toEqual([span]);
        expect(await h().repos.bookings.findOccupied(p.id, t('10:20'), t('10:40'))).toEqual([span]);
        expect(await h().repos.bookings.findOccupied(p.id, t('00:00'), t('23:59'))).toEqual([span]);
      });

      it('judges by the widened span (buffers), not the bare one', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-08-01', '10:00').lasting(60).withBuffers(15, 30));
        expect(await h().repos.bookings.findOccupied(p.id, t('11:20'), t('12:00'))).toEqual([
          { id: b.id, blockStart: t('09:45'), blockEnd: t('11:30') },
        ]);
        expect(await h().repos.bookings.findOccupied(p.id, t('09:00'), t('09:46'))).toHaveLength(1);
        expect(await h().repos.bookings.findOccupied(p.id, t('11:30'), t('12:00'))).toEqual([]);
      });

      it("skips cancelled bookings, other providers' bookings and the excluded id; sorts by span start", async () => {
        const p = await newProvider();
        const q = await newProvider();
        const late = await book(aBooking().of(p).at('2027-08-01', '15:00').lasting(60));
        const early = await book(aBooking().of(p).at('2027-08-01', '08:00').lasting(60));
        const middle = await book(aBooking().of(p).at('2027-08-01', '12:00').lasting(60));
        await book(aBooking().of(p).at('2027-08-01', '12:00').lasting(60).cancelled());
        await book(aBooking().of(q).at('2027-08-01', '09:00').lasting(60));

        const all = await h().repos.bookings.findOccupied(p.id, t('00:00'), t('23:00'));
        expect(ids(all)).toEqual([early.id, middle.id, late.id]);
        expect(ids(await h().repos.bookings.findOccupied(p.id, t('00:00'), t('23:00'), middle.id))).toEqual([early.id, late.id]);
      });

      it('finds a long booking that started well before the range', async () => {
        const p = await newProvider();
        const b = await book(aBooking().of(p).at('2027-08-01', '08:00').lasting(480).withBuffers(240, 240));
        expect(ids(await h().repos.bookings.findOccupied(p.id, t('19:59'), t('21:00')))).toEqual([b.id]);
        expect(await h().repos.bookings.findOccupied(p.id, t('20:00'), t('21:00'))).toEqual([]);
      });

      it('is empty for a provider without bookings', async () => {
        const p = await newProvider();
        expect(await h().repos.bookings.findOccupied(p.id, t('00:00'), t('23:59'))).toEqual([]);
      });
    });

    describe('list', () => {
      // Every test lists by its own creator (or provider) so the others' rows never show.
      let owner = 10_000 + Math.floor(Math.random() * 1_000_000);
      const nextOwner = () => ++owner;

      it('orders by (startsAt, id), ties on startsAt broken by id', async () => {
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

        // A cursor in the middle of a tie: same startsAt, only the higher ids follow.
        const tie = made.filter((b) => b.startsAt === made[3].startsAt).sort((a, b) => a.id - b.id);
        const rest = await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 50, after: { startsAt: tie[0].startsAt, id: tie[0].id } });
        expect(ids(rest).slice(0, 2)).toEqual([tie[1].id, tie[2].id]);
      });

      it('honours the limit', async () => {
        const me = nextOwner();
        const p = await newProvider();
        for (const time of ['09:00', '10:00', '11:00']) await book(aBooking().of(p).at('2027-09-04', time).createdBy(me));
        expect(await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 2 })).toHaveLength(2);
        expect(await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 1 })).toHaveLength(1);
      });

      it('filters by status: active, cancelled or all', async () => {
        const me = nextOwner();
        const p = await newProvider();
        const active = await book(aBooking().of(p).at('2027-09-05', '09:00').createdBy(me));
        const cancelled = await book(aBooking().of(p).at('2027-09-05', '10:00').createdBy(me).cancelled());

        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'active', limit: 50 }))).toEqual([active.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'cancelled', limit: 50 }))).toEqual([cancelled.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'all', limit: 50 }))).toEqual([active.id, cancelled.id]);
      });

      it('filters by provider and by creator, together too', async () => {
        const me = nextOwner();
        const someoneElse = nextOwner();
        const p = await newProvider();
        const q = await newProvider();
        const mineAtP = await book(aBooking().of(p).at('2027-09-06', '09:00').createdBy(me));
        const mineAtQ = await book(aBooking().of(q).at('2027-09-06', '09:00').createdBy(me));
        const theirsAtP = await book(aBooking().of(p).at('2027-09-06', '10:00').createdBy(someoneElse));
        const systemAtP = await book(aBooking().of(p).at('2027-09-06', '11:00'));

        expect(ids(await h().repos.bookings.list({ providerId: p.id, status: 'all', limit: 50 }))).toEqual([mineAtP.id, theirsAtP.id, systemAtP.id]);
        expect(ids(await h().repos.bookings.list({ createdBy: me, status: 'all', limit: 50 }))).toEqual([mineAtP.id, mineAtQ.id]);
        expect(ids(await h().repos.bookings.list({ providerId: q.id, createdBy: me, status: 'all', limit: 50 }))).toEqual([mineAtQ.id]);
        expect(await h().repos.bookings.list({ providerId: q.id, createdBy: someoneElse, status: 'all', limit: 50 })).toEqual([]);
      });

      it('from and to are inclusive provider-local dates, not UTC dates', async () => {
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
      });

      it('combines the date filter with the keyset position', async () => {
        const me = nextOwner();
        const p = await newProvider();
        const a = await book(aBooking().of(p).at('2027-09-07', '09:00').createdBy(me));
        const b = await book(aBooking().of(p).at('2027-09-07', '10:00').createdBy(me));
        await book(aBooking().of(p).at('2027-09-08', '10:00').createdBy(me));
        const rows = await h().repos.bookings.list({
          createdBy: me,
          status: 'active',
          limit: 50,
          fromDate: '2027-09-07',
          toDate: '2027-09-07',
          after: { startsAt: a.startsAt, id: a.id },
        });
        expect(ids(rows)).toEqual([b.id]);
      });
    });
  });
}
