import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, countRows, createProvider, expectErrorShape, get, post } from './helpers';

describe.each(DIALECTS)('Idempotency-Key on POST /api/v1/bookings on %s', (dialect) => {
  let t: TestApp;
  let providerId: number;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
    providerId = (await createProvider(t)).id;
  });
  afterAll(() => t.close());

  const send = (key: string, body: unknown, raw = false) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...t.headers(), 'idempotency-key': key },
      payload: raw ? (body as string) : JSON.stringify(body),
    });

  it('replays the first answer (status, body, same id) for the same key and body, and creates nothing more', async () => {
    const body = { provider_id: providerId, date: '2027-12-25', time: '09:00', customer_name: 'Grace' };
    const first = await send('retry-1', body);
    expect(first.statusCode).toBe(201);
    const counts = await countRows(t);
    t.clock.advance(60_000);
    // The same body with its keys in another order and other spacing is the same request.
    const again = await send('retry-1', '{ "customer_name":"Grace",  "time":"09:00", "date":"2027-12-25", "provider_id": ' + providerId + ' }', true);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers.location).toBe(first.headers.location);
    expect(await countRows(t)).toEqual(counts);
    const list = (await get(t, `/api/v1/bookings?provider_id=${providerId}&from=2027-12-25&to=2027-12-25`)).json().data;
    expect(list.map((b: { id: number }) => b.id)).toEqual([first.json().id]);
  });

  it('replays the booking as first created, even after it changed', async () => {
    const body = { provider_id: providerId, date: '2027-12-26', time: '09:00' };
    const first = await send('retry-2', body);
    await t.app.inject({ method: 'PATCH', url: `/api/v1/bookings/${first.json().id}`, headers: t.headers(), payload: { notes: 'later' } });
    const again = await send('retry-2', body);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
  });

  it('refuses the same key with another body (422 IDEMPOTENCY_KEY_REUSED) and creates nothing', async () => {
    const first = await send('retry-3', { provider_id: providerId, date: '2027-12-27', time: '09:00' });
    expect(first.statusCode).toBe(201);
    const counts = await countRows(t);
    for (const other of [
      { provider_id: providerId, date: '2027-12-27', time: '10:00' },
      { provider_id: providerId, date: '2027-12-27', time: '09:00', notes: 'extra' },
      { provider_id: providerId, date: '2027-12-27', time: '09:00', duration_minutes: 60 },
    ]) {
      expectErrorShape(await send('retry-3', other), 422, 'IDEMPOTENCY_KEY_REUSED');
    }
    expect(await countRows(t)).toEqual(counts);
  });

  it('replays a 409 first answer as 409, even once the slot is free', async () => {
    const taken = await book(t, { provider_id: providerId, date: '2027-12-28', time: '09:00' });
    const body = { provider_id: providerId, date: '2027-12-28', time: '09:00' };
    const first = await send('retry-4', body);
    expect(expectErrorShape(first, 409, 'SLOT_UNAVAILABLE')).toEqual({
      error: 'This time slot is already booked',
      code: 'SLOT_UNAVAILABLE',
      details: { conflicting_booking_id: taken.id },
    });
    await t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${taken.id}`, headers: { authorization: t.headers().authorization } });
    const counts = await countRows(t);
    const again = await send('retry-4', body);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual(first.json());
    expect(await countRows(t)).toEqual(counts);
    // Without the key the now free slot is booked.
    expect((await post(t, '/api/v1/bookings', body)).statusCode).toBe(201);
  });

  it('replays a 404 and a 422 first answer', async () => {
    const missing = await send('retry-5', { provider_id: 999_999, date: '2027-12-29', time: '09:00' });
    expectErrorShape(missing, 404, 'PROVIDER_NOT_FOUND');
    expect((await send('retry-5', { provider_id: 999_999, date: '2027-12-29', time: '09:00' })).json()).toEqual(missing.json());

    const past = await send('retry-6', { provider_id: providerId, date: '2026-12-29', time: '09:00' });
    expectErrorShape(past, 422, 'IN_THE_PAST');
    t.clock.set('2026-01-01T00:00:00Z');
    try {
      const again = await send('retry-6', { provider_id: providerId, date: '2026-12-29', time: '09:00' });
      expect(again.statusCode).toBe(422);
      expect(again.json()).toEqual(past.json());
    } finally {
      t.clock.set('2027-01-04T08:00:00Z');
    }
  });

  it('keeps keys apart: another key books afresh', async () => {
    const a = await send('key-a', { provider_id: providerId, date: '2027-12-30', time: '09:00' });
    const b = await send('key-b', { provider_id: providerId, date: '2027-12-30', time: '10:00' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json().id).not.toBe(a.json().id);
  });

  it('refuses an empty key or one over 255 characters (400) and stores nothing', async () => {
    const counts = await countRows(t);
    for (const key of ['', 'k'.repeat(256)]) {
      const body = expectErrorShape(await send(key, { provider_id: providerId, date: '2027-12-31', time: '09:00' }), 400, 'VALIDATION_ERROR');
      expect(body.error.toLowerCase()).toContain('idempotency-key');
    }
    expect(await countRows(t)).toEqual(counts);
    expect((await send('k'.repeat(255), { provider_id: providerId, date: '2027-12-31', time: '09:00' })).statusCode).toBe(201);
  });

  it('does not keep a validation failure: the key can then be used with a correct body', async () => {
    expectErrorShape(await send('retry-7', { provider_id: providerId, date: '2027-12-31', time: '25:00' }), 400, 'VALIDATION_ERROR');
    expect((await send('retry-7', { provider_id: providerId, date: '2027-12-31', time: '11:00' })).statusCode).toBe(201);
  });
});
