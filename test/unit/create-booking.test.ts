import { BookingNotFoundError, InThePastError, ProviderNotFoundError, SlotUnavailableError, ValidationError } from '../../src/domain/errors';
import { aBooking, aClient, ADMIN, anInMemoryService, aProvider, NOW } from '../support/builders';

async function world() {
  const service = anInMemoryService();
  const provider = await service.useCases.createProvider.execute(aProvider().request());
  return { ...service, provider };
}

describe('CreateBooking', () => {
  it('books the seed request: id 1, the provider default duration, created now, one created event', async () => {
    const { useCases, provider, store } = await world();
    const booking = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request());

    expect(booking).toMatchObject({
      id: 1,
      providerId: provider.id,
      date: '2027-12-25',
      startMinute: 870,
      durationMinutes: 30,
      endMinute: 900,
      startsAt: Date.parse('2027-12-25T14:30:00Z'),
      endsAt: Date.parse('2027-12-25T15:00:00Z'),
      status: 'active',
      version: 1,
      createdAt: NOW,
      createdBy: ADMIN.keyId,
    });
    const { manageToken, ...stored } = booking;
    expect(manageToken).toMatch(/^mt_[A-Za-z0-9_-]{43}$/);
    expect(await store.bookings.getById(1)).toEqual(stored);
    const history = await store.events.historyOf(1);
    expect(history.map((e) => e.type)).toEqual(['booking.created']);
    expect(history[0]).toMatchObject({ actor: ADMIN.keyId, changes: {}, booking: { id: 1, time: '14:30:00', status: 'active' } });
  });

  it('uses the given duration and customer fields', async () => {
    const { useCases, provider } = await world();
    const booking = await useCases.createBooking.execute(
      aBooking().of(provider).at('2027-12-25', '09:00').lasting(90).withCustomer(' Grace ', 'grace@example.com', 'hi').request(),
    );
    expect(booking).toMatchObject({ durationMinutes: 90, endMinute: 630, customerName: 'Grace', customerEmail: 'grace@example.com', notes: 'hi' });
  });

  it('judges local time in the provider zone', async () => {
    const { useCases } = await world();
    const paris = await useCases.createProvider.execute(aProvider().inZone('Europe/Paris').request());
    const booking = await useCases.createBooking.execute(aBooking().of(paris).at('2027-07-01', '09:00').request());
    expect(booking.startsAt).toBe(Date.parse('2027-07-01T07:00:00Z'));
    expect(booking.timezone).toBe('Europe/Paris');
  });

  it('an unknown provider is ProviderNotFoundError and stores nothing', async () => {
    const { useCases, state } = await world();
    await expect(useCases.createBooking.execute(aBooking().forProvider(987).request())).rejects.toThrow(ProviderNotFoundError);
    expect(state.bookings.size).toBe(0);
    expect(state.events).toHaveLength(0);
  });

  it('a taken slot is SlotUnavailableError naming the booking in the way, and stores nothing', async () => {
    const { useCases, provider, state } = await world();
    const first = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request());

    const refusal = useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:45').request());
    await expect(refusal).rejects.toThrow(SlotUnavailableError);
    await expect(refusal).rejects.toMatchObject({
      message: 'This time slot is already booked',
      details: { conflicting_booking_id: first.id },
    });
    expect([...state.bookings.keys()]).toEqual([first.id]);
    expect(state.events).toHaveLength(1);
    expect(state.providers.get(provider.id)?.revision).toBe(0);
  });

  it('touching bookings are both accepted', async () => {
    const { useCases, provider } = await world();
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:00').request());
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request());
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '13:30').request());
    const page = await useCases.listBookings.execute({ actor: ADMIN, providerId: provider.id });
    expect(page.items.map((json) => JSON.parse(json).time)).toEqual(['13:30:00', '14:00:00', '14:30:00']);
  });

  it("does not name another client's booking in the refusal", async () => {
    const { useCases, provider } = await world();
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request(aClient(11)));

    const foreign = useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request(aClient(12)));
    await expect(foreign).rejects.toThrow(SlotUnavailableError);
    await expect(foreign).rejects.toMatchObject({ details: undefined });

    const own = useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request(aClient(11)));
    await expect(own).rejects.toMatchObject({ details: { conflicting_booking_id: 1 } });
  });

  it('may end at midnight (end 24:00)', async () => {
    const { useCases, provider } = await world();
    const booking = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '23:30').lasting(30).request());
    expect(booking.endMinute).toBe(1440);
    expect(booking.endsAt).toBe(Date.parse('2027-12-26T00:00:00Z'));
  });

  it('crossing midnight is a ValidationError, with the given or the default duration', async () => {
    const { useCases, provider, state } = await world();
    await expect(useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '23:45').lasting(30).request())).rejects.toThrow(
      ValidationError,
    );
    await expect(useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '23:45').request())).rejects.toThrow(/midnight/);
    expect(state.bookings.size).toBe(0);
  });

  it('a start in the past is InThePastError; now itself is accepted', async () => {
    const { useCases, provider } = await world();
    await expect(useCases.createBooking.execute(aBooking().of(provider).at('2027-01-04', '07:59').request())).rejects.toThrow(InThePastError);
    const atNow = await useCases.createBooking.execute(aBooking().of(provider).at('2027-01-04', '08:00').request());
    expect(atNow.startsAt).toBe(NOW);
  });

  it.each([
    [{ date: '2027-02-30' }, 'date'],
    [{ date: '25-12-2027' }, 'date'],
    [{ time: '25:00' }, 'time'],
    [{ time: '14:30:15' }, 'time'],
    [{ durationMinutes: 4 }, 'duration_minutes'],
    [{ durationMinutes: 481 }, 'duration_minutes'],
    [{ durationMinutes: 30.5 }, 'duration_minutes'],
    [{ customerEmail: 'nope' }, 'customer_email'],
  ])('refuses %j as a ValidationError on %s, before looking anything up', async (change, field) => {
    const { useCases, state } = await world();
    const input = { ...aBooking().forProvider(987).at('2027-12-25', '14:30').request(), ...change };
    await expect(useCases.createBooking.execute(input)).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
    expect(state.bookings.size).toBe(0);
  });

  it('a client can read its own booking but not another client’s', async () => {
    const { useCases, provider } = await world();
    const mine = await useCases.createBooking.execute(aBooking().of(provider).request(aClient(21)));
    expect((await useCases.getBooking.execute({ actor: aClient(21), id: mine.id })).id).toBe(mine.id);
    await expect(useCases.getBooking.execute({ actor: aClient(22), id: mine.id })).rejects.toThrow(BookingNotFoundError);
    await expect(useCases.getBooking.execute({ actor: ADMIN, id: 999 })).rejects.toThrow(BookingNotFoundError);
  });
});
