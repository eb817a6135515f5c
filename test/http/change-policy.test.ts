import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, expectErrorShape, get, Json, post } from './helpers';

/** Headers of a new client key. */
async function aClient(t: TestApp): Promise<Record<string, string>> {
  const res = await post(t, '/api/v1/api-keys', { name: `client ${Math.random()}`, role: 'client' });
  return t.headers(res.json().key);
}

const schedule = (t: TestApp, providerId: number, body: Json) =>
  t.app.inject({ method: 'PUT', url: `/api/v1/providers/${providerId}/schedule`, headers: t.headers(), payload: body });

describe.each(DIALECTS)('change policies over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect, now: '2027-03-01T08:00:00Z' });
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.set('2027-03-01T08:00:00Z'));

  const as = (headers: Record<string, string>) => ({
    patch: (url: string, body: Json) => t.app.inject({ method: 'PATCH', url, headers, payload: body }),
    del: (url: string) => t.app.inject({ method: 'DELETE', url, headers: { authorization: headers.authorization } }),
  });

  it('a client cannot cancel or move a booking starting within the notice; an admin can; earlier anyone can', async () => {
    const p = await createProvider(t);
    await schedule(t, p.id, { weekly: { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']] }, min_cancel_notice_minutes: 1440, min_reschedule_notice_minutes: 120 });
    const client = await aClient(t);
    const b = await book(t, { provider_id: p.id, date: '2027-03-02', time: '09:00' }, client);

    // 25 hours before: both allowed.
    const early = await as(client).patch(`/api/v1/bookings/${b.id}`, { time: '10:00' });
    expect(early.statusCode).toBe(200);
    // 23 hours before the (new) start: cancelling is too late, moving is not.
    t.clock.set('2027-03-01T11:00:00Z');
    expect(expectErrorShape(await as(client).del(`/api/v1/bookings/${b.id}`), 422, 'TOO_LATE_TO_CHANGE').details).toEqual({ min_cancel_notice_minutes: 1440 });
    expect((await as(client).patch(`/api/v1/bookings/${b.id}`, { time: '10:30' })).statusCode).toBe(200);
    // One hour before: moving is too late too, for the date, the time and the duration alike.
    t.clock.set('2027-03-02T09:30:00Z');
    for (const change of [{ time: '11:00' }, { date: '2027-03-01' }, { duration_minutes: 45 }]) {
      expectErrorShape(await as(client).patch(`/api/v1/bookings/${b.id}`, change), 422, 'TOO_LATE_TO_CHANGE');
    }
    // Other fields are not moves.
    expect((await as(client).patch(`/api/v1/bookings/${b.id}`, { notes: 'running late' })).statusCode).toBe(200);
    // Admins are not bound.
    expect((await as(t.headers()).patch(`/api/v1/bookings/${b.id}`, { time: '11:00' })).statusCode).toBe(200);
    expect((await as(t.headers()).del(`/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
  });

  it('is checked before every other rule of the change: a late move onto a taken span is 422, not 409', async () => {
    const p = await createProvider(t);
    await schedule(t, p.id, { weekly: { tue: [['08:00', '18:00']] }, min_reschedule_notice_minutes: 600 });
    const client = await aClient(t);
    await book(t, { provider_id: p.id, date: '2027-03-02', time: '12:00' });
    const b = await book(t, { provider_id: p.id, date: '2027-03-02', time: '15:00' }, client);
    t.clock.set('2027-03-02T06:00:00Z');
    expectErrorShape(await as(client).patch(`/api/v1/bookings/${b.id}`, { time: '12:00' }), 422, 'TOO_LATE_TO_CHANGE');
    expectErrorShape(await as(client).patch(`/api/v1/bookings/${b.id}`, { time: '07:00' }), 422, 'TOO_LATE_TO_CHANGE');
  });

  it('the policy in force at the time of the change applies', async () => {
    const p = await createProvider(t);
    const client = await aClient(t);
    const b = await book(t, { provider_id: p.id, date: '2027-03-02', time: '09:00' }, client);
    await schedule(t, p.id, { weekly: { tue: [['00:00', '24:00']] }, min_cancel_notice_minutes: 2880 });
    expectErrorShape(await as(client).del(`/api/v1/bookings/${b.id}`), 422, 'TOO_LATE_TO_CHANGE');
    await schedule(t, p.id, { weekly: { tue: [['00:00', '24:00']] }, min_cancel_notice_minutes: 60 });
    expect((await as(client).del(`/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
  });

  it('a service booking follows its service’s policy only, not its providers’ schedules', async () => {
    const p = await createProvider(t);
    await schedule(t, p.id, { weekly: { tue: [['00:00', '24:00']] }, min_cancel_notice_minutes: 0, min_reschedule_notice_minutes: 0 });
    const service = (await post(t, '/api/v1/services', { name: 'Consultation', duration_minutes: 30, pools: [[p.id]], min_cancel_notice_minutes: 2880 })).json();
    const client = await aClient(t);
    const b = await book(t, { service_id: service.id, date: '2027-03-02', time: '09:00' }, client);
    expectErrorShape(await as(client).del(`/api/v1/bookings/${b.id}`), 422, 'TOO_LATE_TO_CHANGE');
    expect((await as(client).patch(`/api/v1/bookings/${b.id}`, { time: '10:00' })).statusCode).toBe(200);
    expect((await get(t, `/api/v1/bookings/${b.id}`)).json()).toMatchObject({ status: 'active', time: '10:00:00' });
  });
});
