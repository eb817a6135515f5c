import { BookingNotFoundError, ValidationError } from '../../src/domain/errors';
import { aBooking, aClient, ADMIN, anInMemoryService, aProvider, NOW } from '../support/builders';

async function world() {
  const service = anInMemoryService();
  const provider = await service.useCases.createProvider.execute(aProvider().request());
  const book = (time: string, actor = ADMIN) =>
    service.useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', time).lasting(60).request(actor));
  return { ...service, provider, book };
}

describe('booking history and event types', () => {
  it('records created, rescheduled, updated and cancelled, oldest first, with what changed', async () => {
    const { useCases, book, clock } = await world();
    const b = await book('10:00');
    clock.advance(1000);
    await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { time: '11:00' } });
    clock.advance(1000);
    await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { customerName: 'Ada' } });
    clock.advance(1000);
    await useCases.cancelBooking.execute({ actor: ADMIN, id: b.id });

    const history = await useCases.getBookingHistory.execute({ actor: ADMIN, id: b.id });
    expect(history.map((e) => [e.type, e.at, e.changes])).toEqual([
      ['booking.created', NOW, {}],
      ['booking.rescheduled', NOW + 1000, { time: ['10:00:00', '11:00:00'] }],
      ['booking.updated', NOW + 2000, { customer_name: [null, 'Ada'] }],
      ['booking.cancelled', NOW + 3000, { status: ['active', 'cancelled'] }],
    ]);
    expect(history.map((e) => e.booking.version)).toEqual([1, 2, 3, 4]);
    expect(history[1].booking).toMatchObject({ time: '11:00:00', end_time: '12:00:00', starts_at: '2027-12-25T11:00:00+00:00' });
    expect(history[3].booking).toMatchObject({ status: 'cancelled', cancelled_at: new Date(NOW + 3000).toISOString() });
  });

  it.each([
    [{ date: '2027-12-26' }, 'booking.rescheduled'],
    [{ time: '15:00' }, 'booking.rescheduled'],
    [{ durationMinutes: 30 }, 'booking.rescheduled'],
    [{ durationMinutes: 30, notes: 'shorter' }, 'booking.rescheduled'],
    [{ notes: 'bring papers' }, 'booking.updated'],
    [{ customerEmail: 'a@example.com', customerName: 'A' }, 'booking.updated'],
  ])('%j records %s', async (changes, type) => {
    const { useCases, book } = await world();
    const b = await book('10:00');
    await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes });
    const history = await useCases.getBookingHistory.execute({ actor: ADMIN, id: b.id });
    expect(history.map((e) => e.type)).toEqual(['booking.created', type]);
  });

  it('the actor is the API key that made each change', async () => {
    const { useCases, book } = await world();
    const b = await book('10:00', aClient(51));
    await useCases.cancelBooking.execute({ actor: ADMIN, id: b.id });
    const history = await useCases.getBookingHistory.execute({ actor: aClient(51), id: b.id });
    expect(history.map((e) => [e.actor, e.bookingOwner])).toEqual([
      [51, 51],
      [ADMIN.keyId, 51],
    ]);
  });

  it("another client's history is BookingNotFoundError", async () => {
    const { useCases, book } = await world();
    const b = await book('10:00', aClient(61));
    await expect(useCases.getBookingHistory.execute({ actor: aClient(62), id: b.id })).rejects.toThrow(BookingNotFoundError);
    await expect(useCases.getBookingHistory.execute({ actor: ADMIN, id: 999 })).rejects.toThrow(BookingNotFoundError);
  });

  it('the event feed runs in id order, pages with nextAfter, and shows a client only its own bookings', async () => {
    const { useCases, book } = await world();
    const mine = await book('09:00', aClient(71));
    await book('10:00', aClient(72));
    await useCases.cancelBooking.execute({ actor: ADMIN, id: mine.id });

    const all = await useCases.listEvents.execute({ actor: ADMIN });
    expect(all.items.map((e) => e.type)).toEqual(['booking.created', 'booking.created', 'booking.cancelled']);
    expect(all.nextAfter).toBe(all.items[2].id);

    const page = await useCases.listEvents.execute({ actor: ADMIN, limit: 2 });
    const rest = await useCases.listEvents.execute({ actor: ADMIN, after: page.nextAfter });
    expect([...page.items, ...rest.items].map((e) => e.id)).toEqual(all.items.map((e) => e.id));

    const own = await useCases.listEvents.execute({ actor: aClient(71) });
    expect(own.items.map((e) => [e.bookingId, e.type])).toEqual([
      [mine.id, 'booking.created'],
      [mine.id, 'booking.cancelled'],
    ]);
    const empty = await useCases.listEvents.execute({ actor: ADMIN, after: all.nextAfter });
    expect(empty).toEqual({ items: [], nextAfter: all.nextAfter });
  });

  it.each([{ after: -1 }, { after: 1.5 }, { limit: 0 }, { limit: 501 }])('the event feed refuses %j', async (input) => {
    const { useCases } = await world();
    await expect(useCases.listEvents.execute({ actor: ADMIN, ...input })).rejects.toThrow(ValidationError);
  });
});
