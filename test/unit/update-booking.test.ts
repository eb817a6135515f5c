import { BookingCancelledError, BookingNotFoundError, SlotUnavailableError, ValidationError, VersionMismatchError } from '../../src/domain/errors';
import { aBooking, aClient, ADMIN, anInMemoryService, aProvider, NOW } from '../support/builders';

async function world() {
  const service = anInMemoryService();
  const provider = await service.useCases.createProvider.execute(aProvider().request());
  const book = async (date: string, time: string, minutes = 60, actor = ADMIN) => {
    const { manageToken: _token, ...booking } = await service.useCases.createBooking.execute(aBooking().of(provider).at(date, time).lasting(minutes).request(actor));
    return booking;
  };
  return { ...service, provider, book };
}

describe('UpdateBooking', () => {
  it('moves a booking within its own span: 10:00+60 to 10:30+60', async () => {
    const { useCases, book, clock, store } = await world();
    const b = await book('2027-12-25', '10:00');
    clock.advance(60_000);

    const moved = await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { time: '10:30' } });
    expect(moved).toMatchObject({
      id: b.id,
      startMinute: 630,
      endMinute: 690,
      startsAt: Date.parse('2027-12-25T10:30:00Z'),
      version: 2,
      updatedAt: NOW + 60_000,
      createdAt: b.createdAt,
    });
    expect(await store.bookings.getById(b.id)).toEqual(moved);
  });

  it('onto an occupied span is SlotUnavailableError and changes nothing', async () => {
    const { useCases, book, store, state, provider } = await world();
    const blocker = await book('2027-12-25', '10:00');
    const b = await book('2027-12-25', '12:00');
    const revision = state.providers.get(provider.id)!.revision;

    const refusal = useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { time: '10:30', notes: 'moved' } });
    await expect(refusal).rejects.toThrow(SlotUnavailableError);
    await expect(refusal).rejects.toMatchObject({ details: { conflicting_booking_id: blocker.id } });
    expect(await store.bookings.getById(b.id)).toEqual(b);
    expect((await store.events.historyOf(b.id)).map((e) => e.type)).toEqual(['booking.created']);
    expect(state.providers.get(provider.id)!.revision).toBe(revision);
  });

  it('a longer duration that reaches the next booking is refused too', async () => {
    const { useCases, book } = await world();
    await book('2027-12-25', '11:00');
    const b = await book('2027-12-25', '10:00');
    await expect(useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { durationMinutes: 61 } })).rejects.toThrow(
      SlotUnavailableError,
    );
    const stretched = await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { durationMinutes: 45 } });
    expect(stretched.endMinute).toBe(645);
  });

  it('a stale expectedVersion is VersionMismatchError naming the current version, and changes nothing', async () => {
    const { useCases, book, store } = await world();
    const b = await book('2027-12-25', '10:00');
    const v2 = await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { notes: 'first' }, expectedVersion: 1 });

    const stale = useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { time: '15:00' }, expectedVersion: 1 });
    await expect(stale).rejects.toThrow(VersionMismatchError);
    await expect(stale).rejects.toMatchObject({ details: { current_version: 2 } });
    expect(await store.bookings.getById(b.id)).toEqual(v2);
    expect(await store.events.historyOf(b.id)).toHaveLength(2);
  });

  it('the current expectedVersion is accepted', async () => {
    const { useCases, book } = await world();
    const b = await book('2027-12-25', '10:00');
    const updated = await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { notes: 'ok' }, expectedVersion: 1 });
    expect(updated.version).toBe(2);
  });

  it('a cancelled booking cannot be changed (BookingCancelledError)', async () => {
    const { useCases, book, store } = await world();
    const b = await book('2027-12-25', '10:00');
    const cancelled = await useCases.cancelBooking.execute({ actor: ADMIN, id: b.id });
    await expect(useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { notes: 'x' } })).rejects.toThrow(BookingCancelledError);
    expect(await store.bookings.getById(b.id)).toEqual(cancelled);
  });

  it('a change that changes nothing answers the booking as it is and records nothing', async () => {
    const { useCases, book, store, state, provider } = await world();
    const b = await book('2027-12-25', '10:00');
    const revision = state.providers.get(provider.id)!.revision;

    const same = await useCases.updateBooking.execute({
      actor: ADMIN,
      id: b.id,
      changes: { date: '2027-12-25', time: '10:00:00', durationMinutes: 60, customerName: null },
    });
    expect(same).toEqual(b);
    expect(await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: {} })).toEqual(b);
    expect(await store.events.historyOf(b.id)).toHaveLength(1);
    expect(state.providers.get(provider.id)!.revision).toBe(revision);
  });

  it('null clears an optional field', async () => {
    const { useCases, provider } = await world();
    const b = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '10:00').withCustomer('Ada', 'ada@example.com', 'n').request());
    const cleared = await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { customerEmail: null, notes: null } });
    expect(cleared).toMatchObject({ customerName: 'Ada', customerEmail: null, notes: null, version: 2 });
  });

  it('moving onto another date and into the past follow the creation rules', async () => {
    const { useCases, book } = await world();
    const b = await book('2027-12-25', '10:00');
    await expect(useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { date: '2026-12-25' } })).rejects.toMatchObject({
      code: 'IN_THE_PAST',
    });
    await expect(useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { time: '23:30' } })).rejects.toThrow(ValidationError);
    const moved = await useCases.updateBooking.execute({ actor: ADMIN, id: b.id, changes: { date: '2027-12-26' } });
    expect(moved.startsAt).toBe(Date.parse('2027-12-26T10:00:00Z'));
  });

  it("another client's booking is BookingNotFoundError, as is an absent one", async () => {
    const { useCases, book, store } = await world();
    const b = await book('2027-12-25', '10:00', 60, aClient(31));
    await expect(useCases.updateBooking.execute({ actor: aClient(32), id: b.id, changes: { notes: 'x' } })).rejects.toThrow(BookingNotFoundError);
    await expect(useCases.updateBooking.execute({ actor: ADMIN, id: 999, changes: { notes: 'x' } })).rejects.toThrow(BookingNotFoundError);
    expect(await store.bookings.getById(b.id)).toEqual(b);
    const own = await useCases.updateBooking.execute({ actor: aClient(31), id: b.id, changes: { notes: 'x' } });
    expect(own.notes).toBe('x');
  });
});

describe('CancelBooking', () => {
  it('cancels, keeps the booking readable and frees its span at once', async () => {
    const { useCases, book, store, clock } = await world();
    const b = await book('2027-12-25', '10:00');
    clock.advance(1000);

    const cancelled = await useCases.cancelBooking.execute({ actor: ADMIN, id: b.id });
    expect(cancelled).toMatchObject({ id: b.id, status: 'cancelled', cancelledAt: NOW + 1000, updatedAt: NOW + 1000, version: 2 });
    expect(await useCases.getBooking.execute({ actor: ADMIN, id: b.id })).toEqual(cancelled);

    const again = await book('2027-12-25', '10:00');
    expect(again.status).toBe('active');
    const agenda = (await store.agendas.load([b.providerId], b.startsAt, b.endsAt)).get(b.providerId)!;
    expect(agenda.occupied.map((o) => o.bookingId)).toEqual([again.id]);
  });

  it('a second cancel changes and records nothing', async () => {
    const { useCases, book, store, clock } = await world();
    const b = await book('2027-12-25', '10:00');
    const first = await useCases.cancelBooking.execute({ actor: ADMIN, id: b.id });
    clock.advance(5000);
    const second = await useCases.cancelBooking.execute({ actor: ADMIN, id: b.id });

    expect(second).toEqual(first);
    expect(await store.bookings.getById(b.id)).toEqual(first);
    expect((await store.events.historyOf(b.id)).map((e) => e.type)).toEqual(['booking.created', 'booking.cancelled']);
  });

  it("another client's booking or an absent one is BookingNotFoundError", async () => {
    const { useCases, book, store } = await world();
    const b = await book('2027-12-25', '10:00', 60, aClient(41));
    await expect(useCases.cancelBooking.execute({ actor: aClient(42), id: b.id })).rejects.toThrow(BookingNotFoundError);
    await expect(useCases.cancelBooking.execute({ actor: ADMIN, id: 999 })).rejects.toThrow(BookingNotFoundError);
    expect((await store.bookings.getById(b.id))?.status).toBe('active');
  });
});
