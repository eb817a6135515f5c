import { IdempotentExecution } from '../../src/application/idempotency';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError, SlotUnavailableError, ValidationError } from '../../src/domain/errors';
import { aBooking, aClient, ADMIN, anInMemoryService, aProvider } from '../support/builders';

async function world() {
  const service = anInMemoryService();
  const provider = await service.useCases.createProvider.execute(aProvider().request());
  return { ...service, provider };
}

describe('CreateBooking with an idempotency key', () => {
  it('a replay returns the same booking and creates nothing', async () => {
    const { useCases, provider, state } = await world();
    const request = aBooking().of(provider).at('2027-12-25', '14:30').withCustomer('Ada').request(ADMIN, 'key-1');

    const first = await useCases.createBooking.execute(request);
    const replay = await useCases.createBooking.execute({ ...request });
    expect(replay).toEqual(first);
    expect(state.bookings.size).toBe(1);
    expect(state.events).toHaveLength(1);
  });

  it('the body is compared as parsed data: field order does not matter', async () => {
    const { useCases, provider, state } = await world();
    const { actor, providerId, date, time, idempotencyKey } = aBooking().of(provider).at('2027-12-25', '14:30').request(ADMIN, 'key-order');
    const first = await useCases.createBooking.execute({ actor, providerId, date, time, idempotencyKey });
    const replay = await useCases.createBooking.execute({ idempotencyKey, time, date, providerId, actor });
    expect(replay.id).toBe(first.id);
    expect(state.bookings.size).toBe(1);
  });

  it('the same key with another body is IdempotencyKeyReusedError and creates nothing', async () => {
    const { useCases, provider, state } = await world();
    await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request(ADMIN, 'key-2'));
    await expect(useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '16:00').request(ADMIN, 'key-2'))).rejects.toThrow(
      IdempotencyKeyReusedError,
    );
    await expect(
      useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').lasting(30).request(ADMIN, 'key-2')),
    ).rejects.toThrow(IdempotencyKeyReusedError);
    expect(state.bookings.size).toBe(1);
  });

  it('an error outcome (a 409) is replayed too, even once the slot is free', async () => {
    const { useCases, provider, state } = await world();
    const blocker = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '14:30').request());
    const request = aBooking().of(provider).at('2027-12-25', '14:30').request(ADMIN, 'key-3');

    await expect(useCases.createBooking.execute(request)).rejects.toThrow(SlotUnavailableError);
    await useCases.cancelBooking.execute({ actor: ADMIN, id: blocker.id });

    await expect(useCases.createBooking.execute(request)).rejects.toMatchObject({
      code: 'SLOT_UNAVAILABLE',
      message: 'This time slot is already booked',
      details: { conflicting_booking_id: blocker.id },
    });
    expect([...state.bookings.values()].filter((b) => b.status === 'active')).toHaveLength(0);
  });

  it('keys belong to their caller: another caller with the same key books afresh', async () => {
    const { useCases, provider, state } = await world();
    const first = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '09:00').request(aClient(81), 'shared'));
    const second = await useCases.createBooking.execute(aBooking().of(provider).at('2027-12-25', '10:00').request(aClient(82), 'shared'));
    expect(second.id).not.toBe(first.id);
    expect(state.bookings.size).toBe(2);
  });

  it('an empty or over-long key is a ValidationError', async () => {
    const { useCases, provider, state } = await world();
    await expect(useCases.createBooking.execute(aBooking().of(provider).request(ADMIN, ''))).rejects.toThrow(ValidationError);
    await expect(useCases.createBooking.execute(aBooking().of(provider).request(ADMIN, 'k'.repeat(256)))).rejects.toThrow(ValidationError);
    expect(state.bookings.size).toBe(0);
    const ok = await useCases.createBooking.execute(aBooking().of(provider).request(ADMIN, 'k'.repeat(255)));
    expect(ok.id).toBe(1);
  });

  it('the outcome is kept for the TTL, then the key may be used afresh', async () => {
    const { useCases, provider, clock, state } = await world();
    const request = aBooking().of(provider).at('2027-12-25', '09:00').request(ADMIN, 'key-ttl');
    await useCases.createBooking.execute(request);
    clock.advance(24 * 3_600_000 - 1);
    await expect(useCases.createBooking.execute(request)).resolves.toMatchObject({ id: 1 });
    clock.advance(1);
    await expect(useCases.createBooking.execute(request)).rejects.toThrow(SlotUnavailableError);
    expect(state.bookings.size).toBe(1);
  });
});

describe('IdempotentExecution', () => {
  const codec = { encode: (v: string) => v, decode: (s: unknown) => s as string };

  it('an unexpected failure releases the key, so a retry runs afresh', async () => {
    const { store, clock } = anInMemoryService();
    const execution = new IdempotentExecution(store.idempotency, clock, { ttlMs: 1000, waitMs: 0, staleAfterMs: 60_000 });
    const request = { scope: 's', key: 'k', fingerprint: 'f' };

    await expect(execution.run(request, codec, () => Promise.reject(new Error('database went away')))).rejects.toThrow('database went away');
    await expect(execution.run(request, codec, async () => 'second try')).resolves.toBe('second try');
  });

  it('a duplicate that finds the first still running gets IdempotencyKeyInUseError, never a second run', async () => {
    const { store, clock } = anInMemoryService();
    const execution = new IdempotentExecution(store.idempotency, clock, { ttlMs: 1000, waitMs: 0, staleAfterMs: 60_000 });
    const request = { scope: 's', key: 'k', fingerprint: 'f' };
    let runs = 0;
    let finish!: () => void;
    const first = execution.run(request, codec, (record) => {
      runs++;
      return new Promise<string>((resolve) => {
        finish = () => resolve('first');
      }).then(async (value) => {
        await record(store, value);
        return value;
      });
    });

    const again = (value: string) => async () => {
      runs++;
      return value;
    };
    await expect(execution.run(request, codec, again('second'))).rejects.toThrow(IdempotencyKeyInUseError);
    finish();
    await expect(first).resolves.toBe('first');
    await expect(execution.run(request, codec, again('third'))).resolves.toBe('first');
    expect(runs).toBe(1);
  });
});
