import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, expectErrorShape, get, Json, post } from './helpers';

const schedule = (t: TestApp, providerId: number, body: Json) =>
  t.app.inject({ method: 'PUT', url: `/api/v1/providers/${providerId}/schedule`, headers: t.headers(), payload: body });

describe.each(DIALECTS)("a booking's customer with its manage token on %s", (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect, now: '2027-03-01T08:00:00Z', env: { RATE_LIMIT_MAX: '1000' } });
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.set('2027-03-01T08:00:00Z'));

  const asCustomer = (id: number, token: string) => ({
    get: () => t.app.inject({ method: 'GET', url: `/api/v1/bookings/${id}?token=${encodeURIComponent(token)}` }),
    patch: (body: Json) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/bookings/${id}?token=${encodeURIComponent(token)}`, headers: { 'content-type': 'application/json' }, payload: body }),
    del: () => t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${id}?token=${encodeURIComponent(token)}` }),
  });

  async function aBooking(fields: Json = {}): Promise<{ booking: Json; providerId: number }> {
    const p = await createProvider(t);
    await schedule(t, p.id, { weekly: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']] } });
    const booking = await book(t, { provider_id: p.id, date: '2027-03-02', time: '09:00', customer_name: 'Grace', ...fields });
    return { booking, providerId: p.id };
  }

  it('reads, moves and cancels its booking; history names the customer', async () => {
    const { booking } = await aBooking();
    const me = asCustomer(booking.id, booking.manage_token);
    const read = await me.get();
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: booking.id, date: '2027-03-02', time: '09:00:00', customer_name: 'Grace' });
    expect(read.json()).not.toHaveProperty('manage_token');
    expect(read.headers.etag).toBe('"1"');

    const moved = await me.patch({ time: '11:00', date: '2027-03-01' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ date: '2027-03-01', time: '11:00:00' });

    expect((await me.del()).statusCode).toBe(204);
    // Part 1's rules for cancelled bookings: readable, cancelling again is 204, moving is 409.
    expect((await me.get()).json().status).toBe('cancelled');
    expect((await me.del()).statusCode).toBe(204);
    expectErrorShape(await me.patch({ time: '12:00' }), 409, 'BOOKING_CANCELLED');

    const history = (await get(t, `/api/v1/bookings/${booking.id}/history`)).json().data as Json[];
    expect(history.map((e) => [e.type, e.actor])).toEqual([
      ['booking.created', expect.anything()],
      ['booking.rescheduled', 'customer'],
      ['booking.cancelled', 'customer'],
    ]);
  });

  it('may change only the date and time: every other field is 400 and changes nothing', async () => {
    const { booking } = await aBooking();
    const me = asCustomer(booking.id, booking.manage_token);
    for (const [field, value] of [
      ['duration_minutes', 45],
      ['customer_name', 'Mallory'],
      ['customer_email', 'm@example.com'],
      ['notes', 'x'],
      ['notes', null],
    ] as const) {
      const res = expectErrorShape(await me.patch({ time: '10:00', [field]: value }), 400, 'VALIDATION_ERROR');
      expect(res.details).toMatchObject({ field });
    }
    expect((await me.get()).json()).toMatchObject({ version: 1, date: '2027-03-02', time: '09:00:00', customer_name: 'Grace' });
  });

  it('is bound by the change policy', async () => {
    const { booking, providerId } = await aBooking();
    await schedule(t, providerId, { weekly: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']] }, min_cancel_notice_minutes: 1440, min_reschedule_notice_minutes: 1440 });
    t.clock.set('2027-03-01T12:00:00Z');
    const me = asCustomer(booking.id, booking.manage_token);
    expectErrorShape(await me.del(), 422, 'TOO_LATE_TO_CHANGE');
    expectErrorShape(await me.patch({ time: '10:00' }), 422, 'TOO_LATE_TO_CHANGE');
    expect((await me.get()).json()).toMatchObject({ status: 'active', version: 1 });
  });

  it('a wrong token, another booking’s token or a malformed id is 404 and changes nothing', async () => {
    const { booking } = await aBooking();
    const other = (await aBooking()).booking;
    for (const [id, token] of [
      [booking.id, 'not-the-token'],
      [booking.id, other.manage_token],
      [other.id, booking.manage_token],
      [booking.id, booking.manage_token.slice(0, -1)],
      [999999, booking.manage_token],
    ] as const) {
      const who = asCustomer(id, token);
      expectErrorShape(await who.get(), 404, 'BOOKING_NOT_FOUND');
      expectErrorShape(await who.patch({ time: '10:00' }), 404, 'BOOKING_NOT_FOUND');
      expectErrorShape(await who.del(), 404, 'BOOKING_NOT_FOUND');
    }
    const malformed = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/abc?token=${booking.manage_token}` });
    expectErrorShape(malformed, 404, 'BOOKING_NOT_FOUND');
    for (const b of [booking, other]) expect((await get(t, `/api/v1/bookings/${b.id}`)).json()).toMatchObject({ status: 'active', version: 1 });
  });

  it('an empty token counts as none (401); Authorization decides when both are sent', async () => {
    const { booking } = await aBooking();
    expectErrorShape(await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${booking.id}?token=` }), 401, 'UNAUTHENTICATED');
    expectErrorShape(await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${booking.id}` }), 401, 'UNAUTHENTICATED');
    // A valid key with a wrong token: the key decides (the token is not looked at).
    const withKey = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${booking.id}?token=wrong`, headers: t.headers() });
    expect(withKey.statusCode).toBe(200);
    // A bad key with the right token: the key decides.
    const badKey = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${booking.id}?token=${booking.manage_token}`, headers: { authorization: 'Bearer nope' } });
    expectErrorShape(badKey, 401, 'UNAUTHENTICATED');
    // A client key that did not create it sees nothing, token or not.
    const client = (await post(t, '/api/v1/api-keys', { name: 'other client', role: 'client' })).json().key;
    const foreign = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${booking.id}?token=${booking.manage_token}`, headers: t.headers(client) });
    expectErrorShape(foreign, 404, 'BOOKING_NOT_FOUND');
    // Admin changes through the key are the admin's, not the customer's.
    const moved = await t.app.inject({ method: 'PATCH', url: `/api/v1/bookings/${booking.id}?token=${booking.manage_token}`, headers: t.headers(), payload: { duration_minutes: 45 } });
    expect(moved.statusCode).toBe(200);
  });

  it('the token opens nothing else', async () => {
    const { booking, providerId } = await aBooking();
    const token = booking.manage_token;
    for (const [method, url] of [
      ['GET', `/api/v1/bookings/${booking.id}/history`],
      ['GET', '/api/v1/bookings'],
      ['GET', '/api/v1/events'],
      ['GET', `/api/v1/providers/${providerId}`],
      ['GET', `/api/v1/providers/${providerId}/availability?date=2027-03-02`],
      ['POST', `/api/v1/bookings/${booking.id}/confirm`],
      ['POST', '/api/v1/bookings'],
    ] as const) {
      const res = await t.app.inject({ method, url: `${url}${url.includes('?') ? '&' : '?'}token=${token}`, headers: { 'content-type': 'application/json' }, payload: method === 'POST' ? {} : undefined });
      expectErrorShape(res, 401, 'UNAUTHENTICATED');
    }
    // Nor does the calendar feed take it.
    const feed = await t.app.inject({ method: 'GET', url: `/api/v1/providers/${providerId}/calendar.ics?token=${token}` });
    expect(feed.statusCode).toBe(401);
  });

  it('a series’ and a hold’s conversion give each booking its own token', async () => {
    const p = await createProvider(t);
    await schedule(t, p.id, { weekly: { tue: [['08:00', '18:00']] } });
    const series = await post(t, '/api/v1/booking-series', { provider_id: p.id, date: '2027-03-02', time: '09:00', repeat: { frequency: 'weekly', count: 2 } });
    expect(series.statusCode).toBe(201);
    const [first, second] = series.json().bookings as Json[];
    expect(first.manage_token).not.toBe(second.manage_token);
    expect((await asCustomer(first.id, first.manage_token).get()).statusCode).toBe(200);
    expectErrorShape(await asCustomer(second.id, first.manage_token).get(), 404, 'BOOKING_NOT_FOUND');

    const hold = await post(t, '/api/v1/holds', { provider_id: p.id, date: '2027-03-16', time: '09:00' });
    expect(hold.statusCode).toBe(201);
    const converted = await book(t, { hold_id: hold.json().id, customer_name: 'Ada' });
    expect((await asCustomer(converted.id, converted.manage_token).get()).json()).toMatchObject({ customer_name: 'Ada' });
  });
});

describe('customer requests are rate-limited per address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ dialect: 'sqlite', env: { RATE_LIMIT_MAX: '4' } });
  });
  afterAll(() => t.close());

  it('right and wrong tokens count against the caller’s address, not a shared bucket', async () => {
    const p = await createProvider(t);
    const b = await book(t, { provider_id: p.id, date: '2027-01-05', time: '09:00' });
    const statuses: number[] = [];
    for (const token of [b.manage_token, 'wrong', b.manage_token, 'wrong', b.manage_token]) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${b.id}?token=${token}`, remoteAddress: '203.0.113.7' });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 404, 200, 404, 429]);
    // Another address has its own budget.
    const elsewhere = await t.app.inject({ method: 'GET', url: `/api/v1/bookings/${b.id}?token=${b.manage_token}`, remoteAddress: '198.51.100.9' });
    expect(elsewhere.statusCode).toBe(200);
    // The manage page counts against the address too.
    const page = await t.app.inject({ method: 'GET', url: `/manage/${b.id}?token=${b.manage_token}`, remoteAddress: '203.0.113.7' });
    expect(page.statusCode).toBe(429);
  });
});
