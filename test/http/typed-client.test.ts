import {
  type ApiErrorOf,
  type Booking,
  type BookingClient,
  type BookingEvent,
  type CreatedBooking,
  createBookingClient,
  type Provider,
  type Service,
} from '../../src/client';
import { createTestApp, TestApp } from '../support/http-harness';

/** The body of a success, which the types say may be absent (an error answered instead). */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what}: no body`);
  return value;
}

// The error codes of an operation are a union of literals, not any string: a code the operation cannot answer does
// not type-check.
type CreateBookingCode = ApiErrorOf<'createBooking'>['code'];
// @ts-expect-error EMAIL_TAKEN is not a code POST /api/v1/bookings answers
const notACreateBookingCode: CreateBookingCode = 'EMAIL_TAKEN';
void notACreateBookingCode;

describe('typed client (openapi-fetch over the generated types) against a running server', () => {
  let t: TestApp;
  let baseUrl: string;
  let admin: BookingClient;

  beforeAll(async () => {
    t = await createTestApp({ dialect: 'sqlite' });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    admin = createBookingClient({ baseUrl, apiKey: t.adminKey });
  });
  afterAll(() => t.close());

  it('drives a booking from provider to cancellation, a service booking and the event feed, all typed', async () => {
    // A provider, as an admin.
    const createdProvider = await admin.POST('/api/v1/providers', {
      body: { name: 'Dr. Ada Byron', email: 'ada@client.example', timezone: 'Europe/Berlin', default_duration_minutes: 30 },
    });
    expect(createdProvider.response.status).toBe(201);
    const provider: Provider = present(createdProvider.data, 'create provider');
    expect(createdProvider.response.headers.get('location')).toBe(`/api/v1/providers/${provider.id}`);
    expect(provider.timezone).toBe('Europe/Berlin');

    // Its working hours, then its free slots on a Monday, with a conditional repeat.
    const schedule = await admin.PUT('/api/v1/providers/{id}/schedule', {
      params: { path: { id: provider.id } },
      body: { weekly: { mon: [['09:00', '12:00']] }, buffer_after_minutes: 0 },
    });
    expect(present(schedule.data, 'schedule').weekly.mon).toEqual([['09:00', '12:00']]);
    const availability = await admin.GET('/api/v1/providers/{id}/availability', {
      params: { path: { id: provider.id }, query: { date: '2027-03-01', duration_minutes: 30 } },
    });
    const days = present(availability.data, 'availability').days;
    expect(days[0].slots.slice(0, 2)).toEqual(['09:00', '09:30']);
    const etag = availability.response.headers.get('etag') ?? '';
    const unchanged = await admin.GET('/api/v1/providers/{id}/availability', {
      params: { path: { id: provider.id }, query: { date: '2027-03-01', duration_minutes: 30 }, header: { 'If-None-Match': etag } },
    });
    expect(unchanged.response.status).toBe(304);

    // A client key books; the 201 is a CreatedBooking, with its manage token.
    const issued = await admin.POST('/api/v1/api-keys', { body: { name: 'front desk', role: 'client' } });
    const client = createBookingClient({ baseUrl, apiKey: present(issued.data, 'api key').key });
    const booked = await client.POST('/api/v1/bookings', {
      params: { header: { 'Idempotency-Key': 'typed-client-1' } },
      body: { provider_id: provider.id, date: '2027-03-01', time: '09:00', customer_email: 'grace@client.example' },
    });
    expect(booked.response.status).toBe(201);
    const booking: CreatedBooking = present(booked.data, 'book');
    expect(booking).toMatchObject({ provider_id: provider.id, date: '2027-03-01', time: '09:00:00', status: 'active', version: 1 });
    expect(booking.manage_token.length).toBeGreaterThan(20);

    // The same span again: 409 with a typed code and typed details.
    const conflict = await client.POST('/api/v1/bookings', { body: { provider_id: provider.id, date: '2027-03-01', time: '09:00' } });
    expect(conflict.response.status).toBe(409);
    expect(conflict.data).toBeUndefined();
    const refusal = conflict.error;
    if (refusal?.code !== 'SLOT_UNAVAILABLE') throw new Error(`expected SLOT_UNAVAILABLE, got ${JSON.stringify(refusal)}`);
    expect(refusal.details?.conflicting_booking_id).toBe(booking.id);

    // Reschedule under If-Match; a stale ETag is 412 with the current version.
    const read = await client.GET('/api/v1/bookings/{id}', { params: { path: { id: booking.id } } });
    const current = read.response.headers.get('etag') ?? '';
    expect(current).toBe('"1"');
    const moved = await client.PATCH('/api/v1/bookings/{id}', {
      params: { path: { id: booking.id }, header: { 'If-Match': current } },
      body: { time: '10:00' },
    });
    const rescheduled: Booking = present(moved.data, 'reschedule');
    expect(rescheduled).toMatchObject({ time: '10:00:00', version: 2 });
    expect(moved.response.headers.get('etag')).toBe('"2"');
    const stale = await client.PATCH('/api/v1/bookings/{id}', {
      params: { path: { id: booking.id }, header: { 'If-Match': current } },
      body: { time: '11:00' },
    });
    expect(stale.response.status).toBe(412);
    if (stale.error?.code !== 'VERSION_MISMATCH') throw new Error(`expected VERSION_MISMATCH, got ${JSON.stringify(stale.error)}`);
    expect(stale.error.details.current_version).toBe(2);

    // The customer reads it with the manage token alone, then cancels it.
    const customer = createBookingClient({ baseUrl, token: booking.manage_token });
    const seen = await customer.GET('/api/v1/bookings/{id}', { params: { path: { id: booking.id } } });
    expect(present(seen.data, 'customer read').time).toBe('10:00:00');
    const cancelled = await customer.DELETE('/api/v1/bookings/{id}', { params: { path: { id: booking.id } } });
    expect(cancelled.response.status).toBe(204);

    // The event feed tells the whole story, with typed event types.
    const feed = await admin.GET('/api/v1/events', { params: { query: { after: 0 } } });
    const events: BookingEvent[] = present(feed.data, 'events').data.filter((e) => e.booking.id === booking.id);
    const types: BookingEvent['type'][] = events.map((e) => e.type);
    expect(types).toEqual(['booking.created', 'booking.rescheduled', 'booking.cancelled']);

    // The calendar feed opens with the provider's calendar token alone.
    const calendarToken = provider.calendar_token ?? '';
    expect(calendarToken).not.toBe('');
    const subscriber = createBookingClient({ baseUrl, token: calendarToken });
    const calendar = await subscriber.GET('/api/v1/providers/{id}/calendar.ics', { params: { path: { id: provider.id } }, parseAs: 'text' });
    expect(calendar.response.status).toBe(200);
    expect(present(calendar.data, 'calendar')).toContain('BEGIN:VCALENDAR');

    // A service of two pools (this provider, and a second one open all day), booked on its own grid.
    const second = present((await admin.POST('/api/v1/providers', { body: { name: 'Room 1', email: 'room1@client.example', timezone: 'Europe/Berlin' } })).data, 'room');
    const createdService = await admin.POST('/api/v1/services', {
      body: { name: 'Consultation', duration_minutes: 60, pools: [[provider.id], [second.id]], timezone: 'Europe/Berlin', slot_interval_minutes: 30 },
    });
    const service: Service = present(createdService.data, 'service');
    const serviceSlots = await client.GET('/api/v1/services/{id}/availability', { params: { path: { id: service.id }, query: { date: '2027-03-01' } } });
    expect(present(serviceSlots.data, 'service availability').days[0].slots).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
    const serviceBooking = await client.POST('/api/v1/bookings', { body: { service_id: service.id, date: '2027-03-01', time: '10:00' } });
    expect(serviceBooking.response.status).toBe(201);
    expect(present(serviceBooking.data, 'service booking')).toMatchObject({ service_id: service.id, provider_ids: [provider.id, second.id], time: '10:00:00' });
  });

  it('words refusals in the contract shape, typed per operation', async () => {
    const anonymous = createBookingClient({ baseUrl });
    const unauthenticated = await anonymous.GET('/api/v1/providers', {});
    expect(unauthenticated.response.status).toBe(401);
    expect(unauthenticated.response.headers.get('www-authenticate')).toBe('Bearer');
    expect(unauthenticated.error?.code).toBe('UNAUTHENTICATED');
    const missing = await admin.GET('/api/v1/bookings/{id}', { params: { path: { id: 999999 } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toEqual({ error: 'Booking not found', code: 'BOOKING_NOT_FOUND' });
  });
});
