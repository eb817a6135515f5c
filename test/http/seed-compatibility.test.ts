import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, countRows, createProvider, expectErrorShape, post } from './helpers';

describe.each(DIALECTS)('seed compatibility on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  it('answers 201 with the seed fields first, in the seed order', async () => {
    const provider = await createProvider(t);
    expect(provider.id).toBe(1);
    const res = await post(t, '/api/v1/bookings', { provider_id: 1, date: '2027-12-25', time: '14:30' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    expect(Object.keys(body).slice(0, 5)).toEqual(['id', 'provider_id', 'date', 'time', 'created_at']);
    expect(body).toMatchObject({ id: 1, provider_id: 1, date: '2027-12-25', time: '14:30:00' });
    expect(body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    expect(Date.parse(body.created_at)).toBe(t.clock.now());
    expect(body).toMatchObject({
      duration_minutes: 30,
      end_time: '15:00:00',
      starts_at: '2027-12-25T14:30:00+00:00',
      ends_at: '2027-12-25T15:00:00+00:00',
      status: 'active',
      version: 1,
    });
  });

  it('answers 409 with the seed message and the conflicting booking id', async () => {
    const before = await countRows(t);
    const res = await post(t, '/api/v1/bookings', { provider_id: 1, date: '2027-12-25', time: '14:30' });
    const body = expectErrorShape(res, 409, 'SLOT_UNAVAILABLE');
    expect(body).toEqual({ error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE', details: { conflicting_booking_id: 1 } });
    expect(await countRows(t)).toEqual(before);
  });

  it('names the booking in the way even when the overlap is partial', async () => {
    const provider = await createProvider(t);
    const first = await book(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00', duration_minutes: 60 });
    const res = await post(t, '/api/v1/bookings', { provider_id: provider.id, date: '2027-12-25', time: '10:45' });
    expect(expectErrorShape(res, 409, 'SLOT_UNAVAILABLE').details).toEqual({ conflicting_booking_id: first.id });
  });

  it.each([
    [{}, 'Missing required fields: provider_id, date, time'],
    [{ date: '2027-12-25' }, 'Missing required fields: provider_id, time'],
    [{ provider_id: 1 }, 'Missing required fields: date, time'],
    [{ provider_id: 1, date: '2027-12-25' }, 'Missing required fields: time'],
    [{ time: '14:30' }, 'Missing required fields: provider_id, date'],
    [{ provider_id: null, date: '2027-12-25', time: '14:30' }, 'Missing required fields: provider_id'],
    [{ provider_id: 1, date: '', time: '' }, 'Missing required fields: date, time'],
    [{ provider_id: '', date: null, time: '14:30' }, 'Missing required fields: provider_id, date'],
  ])('answers 400 naming exactly the missing fields for %j', async (payload, message) => {
    const before = await countRows(t);
    const res = await post(t, '/api/v1/bookings', payload);
    const body = expectErrorShape(res, 400, 'VALIDATION_ERROR');
    expect(body.error).toBe(message);
    expect(await countRows(t)).toEqual(before);
  });

  it('reports missing fields before any other fault of the body', async () => {
    const res = await post(t, '/api/v1/bookings', { date: 'not-a-date', surprise: true });
    expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').error).toBe('Missing required fields: provider_id, time');
  });

  it('answers 404 "Provider not found" for an unknown provider', async () => {
    const before = await countRows(t);
    const res = await post(t, '/api/v1/bookings', { provider_id: 999, date: '2027-12-25', time: '14:30' });
    expect(expectErrorShape(res, 404, 'PROVIDER_NOT_FOUND')).toEqual({ error: 'Provider not found', code: 'PROVIDER_NOT_FOUND' });
    expect(await countRows(t)).toEqual(before);
  });
});
