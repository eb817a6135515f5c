import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { adminActorId, book, bookingRows, countRows, createProvider, del, expectErrorShape, get, Json, patch, post, readView } from './helpers';

describe.each(DIALECTS)('booking lifecycle over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  afterEach(() => t.clock.set('2027-01-04T08:00:00Z'));

  const history = async (id: number): Promise<Json[]> => {
    const res = await get(t, `/api/v1/bookings/${id}/history`);
    expect(res.statusCode).toBe(200);
    return res.json().data;
  };

  describe('POST /api/v1/bookings', () => {
    it("takes the provider's default duration and reports end_time", async () => {
      const p = await createProvider(t, { default_duration_minutes: 45 });
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '14:30' });
      expect(b).toMatchObject({ duration_minutes: 45, time: '14:30:00', end_time: '15:15:00', timezone: 'UTC' });
    });

    it('takes an explicit duration and the optional customer fields', async () => {
      const p = await createProvider(t);
      const res = await post(t, '/api/v1/bookings', {
        provider_id: p.id,
        date: '2027-12-25',
        time: '09:00',
        duration_minutes: 90,
        customer_name: 'Grace Hopper',
        customer_email: 'grace@example.com',
        notes: 'First visit',
      });
      expect(res.statusCode).toBe(201);
      const b = res.json();
      expect(b).toMatchObject({
        duration_minutes: 90,
        end_time: '10:30:00',
        customer_name: 'Grace Hopper',
        customer_email: 'grace@example.com',
        notes: 'First visit',
        status: 'active',
        version: 1,
        cancelled_at: null,
      });
      expect(res.headers.location).toBe(`/api/v1/bookings/${b.id}`);
      expect(res.headers.etag).toBe('"1"');
    });

    it('may end at midnight (end_time 24:00:00) but not cross it', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '23:30', duration_minutes: 30 });
      expect(b).toMatchObject({ end_time: '24:00:00', starts_at: '2027-12-25T23:30:00+00:00', ends_at: '2027-12-26T00:00:00+00:00' });
      const before = await countRows(t);
      const res = await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-12-26', time: '23:45', duration_minutes: 30 });
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(await countRows(t)).toEqual(before);
      const midnight = await book(t, { provider_id: p.id, date: '2027-12-26', time: '00:00' });
      expect(midnight.starts_at).toBe('2027-12-26T00:00:00+00:00');
    });

    it("refuses a default duration that would cross midnight", async () => {
      const p = await createProvider(t, { default_duration_minutes: 60 });
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-12-25', time: '23:30' }), 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['UTC', '2027-03-28', '09:00', '2027-03-28T09:00:00+00:00', '2027-03-28T09:30:00+00:00'],
      ['Europe/Berlin', '2027-01-15', '09:00', '2027-01-15T09:00:00+01:00', '2027-01-15T09:30:00+01:00'],
      ['Europe/Berlin', '2027-03-28', '09:00', '2027-03-28T09:00:00+02:00', '2027-03-28T09:30:00+02:00'],
      ['Asia/Kolkata', '2027-06-01', '10:00', '2027-06-01T10:00:00+05:30', '2027-06-01T10:30:00+05:30'],
      ['America/New_York', '2027-07-04', '23:30', '2027-07-04T23:30:00-04:00', '2027-07-05T00:00:00-04:00'],
    ])('writes starts_at/ends_at with the offset of %s', async (timezone, date, time, startsAt, endsAt) => {
      const p = await createProvider(t, { timezone });
      const b = await book(t, { provider_id: p.id, date, time });
      expect(b).toMatchObject({ starts_at: startsAt, ends_at: endsAt, timezone, date, time: `${time}:00` });
      expect(b.starts_at).not.toMatch(/Z$/);
    });

    it('refuses a start in the past with 422 IN_THE_PAST, judged in the provider time zone', async () => {
      t.clock.set('2027-06-01T12:00:00Z');
      const utc = await createProvider(t);
      const berlin = await createProvider(t, { timezone: 'Europe/Berlin' });
      const before = await countRows(t);
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: utc.id, date: '2027-06-01', time: '11:30' }), 422, 'IN_THE_PAST');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: utc.id, date: '2026-12-31', time: '23:00' }), 422, 'IN_THE_PAST');
      // 13:30 in Berlin (UTC+2 in June) is 11:30Z: past, though 13:30 UTC would not be.
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: berlin.id, date: '2027-06-01', time: '13:30' }), 422, 'IN_THE_PAST');
      expect(await countRows(t)).toEqual(before);
      expect((await post(t, '/api/v1/bookings', { provider_id: utc.id, date: '2027-06-01', time: '12:00' })).statusCode).toBe(201);
      expect((await post(t, '/api/v1/bookings', { provider_id: berlin.id, date: '2027-06-01', time: '14:00' })).statusCode).toBe(201);
    });

    it('checks in the contract order: 400, then 404, then 422, then 409', async () => {
      const p = await createProvider(t);
      await book(t, { provider_id: p.id, date: '2027-06-01', time: '10:00' });
      t.clock.set('2027-06-01T12:00:00Z');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: 999_999, date: '2027-06-01', time: '25:00' }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: 999_999, date: '2027-06-01', time: '10:00' }), 404, 'PROVIDER_NOT_FOUND');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-06-01', time: '10:00' }), 422, 'IN_THE_PAST');
    });

    it('lets two providers take the same slot, and back-to-back bookings share a boundary', async () => {
      const a = await createProvider(t);
      const b = await createProvider(t);
      await book(t, { provider_id: a.id, date: '2027-12-25', time: '10:00' });
      await book(t, { provider_id: b.id, date: '2027-12-25', time: '10:00' });
      await book(t, { provider_id: a.id, date: '2027-12-25', time: '10:30' });
      await book(t, { provider_id: a.id, date: '2027-12-25', time: '09:30' });
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: a.id, date: '2027-12-25', time: '09:45', duration_minutes: 5 }), 409, 'SLOT_UNAVAILABLE');
    });
  });

  describe('GET /api/v1/bookings/{id}', () => {
    it('answers the booking with its version as a strong ETag, and 304 for a matching If-None-Match', async () => {
      const p = await createProvider(t);
      const created = await book(t, { provider_id: p.id, date: '2027-12-25', time: '11:00' });
      const res = await get(t, `/api/v1/bookings/${created.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(readView(created));
      expect(res.headers.etag).toBe('"1"');
      const notModified = await get(t, `/api/v1/bookings/${created.id}`, { 'if-none-match': '"1"' });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.body).toBe('');
      expect(notModified.headers['content-length'] ?? '0').toBe('0');
      expect(notModified.headers.etag).toBe('"1"');
      await patch(t, `/api/v1/bookings/${created.id}`, { notes: 'changed' });
      const after = await get(t, `/api/v1/bookings/${created.id}`, { 'if-none-match': '"1"' });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).toBe('"2"');
      expect(after.json().version).toBe(2);
    });

    it('answers 404 "Booking not found" for an unknown id', async () => {
      const res = await get(t, '/api/v1/bookings/987654');
      expect(expectErrorShape(res, 404, 'BOOKING_NOT_FOUND')).toEqual({ error: 'Booking not found', code: 'BOOKING_NOT_FOUND' });
    });
  });

  describe('PATCH /api/v1/bookings/{id}', () => {
    it('refuses to move onto an occupied span with the seed 409 and changes nothing', async () => {
      const p = await createProvider(t);
      const a = await book(t, { provider_id: p.id, date: '2027-12-25', time: '10:00' });
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '11:00' });
      const rows = await bookingRows(t);
      const counts = await countRows(t);
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { time: '10:15', notes: 'moved' });
      expect(expectErrorShape(res, 409, 'SLOT_UNAVAILABLE')).toEqual({
        error: 'This time slot is already booked',
        code: 'SLOT_UNAVAILABLE',
        details: { conflicting_booking_id: a.id },
      });
      expect(await bookingRows(t)).toEqual(rows);
      expect(await countRows(t)).toEqual(counts);
      expect(await history(b.id)).toHaveLength(1);
    });

    it('moves a booking within its own span (10:00+60 to 10:30+60)', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '10:00', duration_minutes: 60 });
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { time: '10:30' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: b.id,
        time: '10:30:00',
        end_time: '11:30:00',
        duration_minutes: 60,
        starts_at: '2027-12-25T10:30:00+00:00',
        version: 2,
      });
      expect(res.headers.etag).toBe('"2"');
      // The old span is free now, the new one is taken.
      expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-12-25', time: '10:00' })).statusCode).toBe(201);
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-12-25', time: '11:00' }), 409, 'SLOT_UNAVAILABLE');
    });

    it('changes date and duration, and keeps the id', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      const b = await book(t, { provider_id: p.id, date: '2027-03-27', time: '09:00' });
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { date: '2027-03-28', duration_minutes: 120 });
      expect(res.json()).toMatchObject({
        id: b.id,
        date: '2027-03-28',
        time: '09:00:00',
        end_time: '11:00:00',
        starts_at: '2027-03-28T09:00:00+02:00',
        ends_at: '2027-03-28T11:00:00+02:00',
      });
    });

    it('refuses a stale If-Match with 412 and changes nothing; a current one works', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '15:00' });
      await patch(t, `/api/v1/bookings/${b.id}`, { notes: 'v2' });
      const rows = await bookingRows(t);
      const stale = await patch(t, `/api/v1/bookings/${b.id}`, { time: '16:00' }, { 'if-match': '"1"' });
      expectErrorShape(stale, 412, 'VERSION_MISMATCH');
      expect(await bookingRows(t)).toEqual(rows);
      expect(await history(b.id)).toHaveLength(2);
      const fresh = await patch(t, `/api/v1/bookings/${b.id}`, { time: '16:00' }, { 'if-match': '"2"' });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json()).toMatchObject({ time: '16:00:00', version: 3 });
    });

    it('refuses provider_id in the body, even unchanged (400), and changes nothing', async () => {
      const p = await createProvider(t);
      const other = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '17:00' });
      const rows = await bookingRows(t);
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { provider_id: p.id }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { provider_id: other.id, notes: 'x' }), 400, 'VALIDATION_ERROR');
      expect(await bookingRows(t)).toEqual(rows);
    });

    it.each([
      ['an unknown field', { room: 'B' }],
      ['a malformed time', { time: '9am' }],
      ['seconds other than :00', { time: '10:00:30' }],
      ['an impossible date', { date: '2027-02-29' }],
      ['a duration as a string', { duration_minutes: '60' }],
      ['a duration crossing midnight', { time: '23:50', duration_minutes: 30 }],
    ])('refuses %s (400) and changes nothing', async (_label, change) => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '12:00' });
      const rows = await bookingRows(t);
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, change), 400, 'VALIDATION_ERROR');
      expect(await bookingRows(t)).toEqual(rows);
    });

    it('refuses a move into the past with 422 IN_THE_PAST', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '12:00' });
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { date: '2027-01-03' }), 422, 'IN_THE_PAST');
      expect((await get(t, `/api/v1/bookings/${b.id}`)).json().date).toBe('2027-12-25');
    });

    it('clears an optional field with null', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '13:00', customer_name: 'Grace', notes: 'keep me' });
      const res = await patch(t, `/api/v1/bookings/${b.id}`, { customer_name: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ customer_name: null, notes: 'keep me', version: 2 });
      expect((await get(t, `/api/v1/bookings/${b.id}`)).json().customer_name).toBeNull();
    });

    it('answers 200 and records nothing for a PATCH that changes nothing', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '14:00', notes: 'same' });
      const counts = await countRows(t);
      for (const change of [{}, { time: '14:00', notes: 'same' }, { date: '2027-12-25', time: '14:00:00', duration_minutes: 30 }]) {
        const res = await patch(t, `/api/v1/bookings/${b.id}`, change);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(readView(b));
      }
      expect(await countRows(t)).toEqual(counts);
      expect(await history(b.id)).toHaveLength(1);
    });

    it('answers 404 for an unknown booking', async () => {
      expectErrorShape(await patch(t, '/api/v1/bookings/987654', { notes: 'x' }), 404, 'BOOKING_NOT_FOUND');
    });
  });

  describe('DELETE /api/v1/bookings/{id}', () => {
    it('cancels: 204, the span is free at once, the booking stays readable, and cancelling again is 204 with no new history', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '10:00', duration_minutes: 60 });
      t.clock.advance(5 * 60_000);

      const res = await del(t, `/api/v1/bookings/${b.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');

      const replacement = await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-12-25', time: '10:00', duration_minutes: 60 });
      expect(replacement.statusCode).toBe(201);

      const read = await get(t, `/api/v1/bookings/${b.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id: b.id, status: 'cancelled', cancelled_at: new Date(t.clock.now()).toISOString(), version: 2 });
      expect(read.headers.etag).toBe('"2"');

      const counts = await countRows(t);
      t.clock.advance(60_000);
      expect((await del(t, `/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
      expect(await countRows(t)).toEqual(counts);
      expect((await get(t, `/api/v1/bookings/${b.id}`)).json()).toEqual(read.json());
      expect((await history(b.id)).map((e) => e.type)).toEqual(['booking.created', 'booking.cancelled']);
    });

    it('refuses to change a cancelled booking (409 BOOKING_CANCELLED)', async () => {
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '18:00' });
      await del(t, `/api/v1/bookings/${b.id}`);
      const rows = await bookingRows(t);
      expect(expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { notes: 'too late' }), 409, 'BOOKING_CANCELLED').error).toBe(
        'A cancelled booking cannot be changed',
      );
      expectErrorShape(await patch(t, `/api/v1/bookings/${b.id}`, { time: '19:00' }), 409, 'BOOKING_CANCELLED');
      expect(await bookingRows(t)).toEqual(rows);
    });

    it('answers 404 for an unknown booking', async () => {
      expectErrorShape(await del(t, '/api/v1/bookings/987654'), 404, 'BOOKING_NOT_FOUND');
    });
  });

  describe('GET /api/v1/bookings/{id}/history', () => {
    it('lists every change oldest first with its type, instant, actor and [old, new] changes', async () => {
      const actor = await adminActorId(t);
      const p = await createProvider(t);
      const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '10:00', notes: 'first' });
      const created = t.clock.now();
      t.clock.advance(60_000);
      await patch(t, `/api/v1/bookings/${b.id}`, { notes: 'second', customer_name: 'Ada' });
      t.clock.advance(60_000);
      await patch(t, `/api/v1/bookings/${b.id}`, { time: '11:00', notes: 'third' });
      t.clock.advance(60_000);
      await patch(t, `/api/v1/bookings/${b.id}`, { duration_minutes: 45 });
      t.clock.advance(60_000);
      await del(t, `/api/v1/bookings/${b.id}`);

      const entries = await history(b.id);
      expect(entries.map((e) => e.type)).toEqual([
        'booking.created',
        'booking.updated',
        'booking.rescheduled',
        'booking.rescheduled',
        'booking.cancelled',
      ]);
      expect(entries.map((e) => Date.parse(e.at))).toEqual([0, 1, 2, 3, 4].map((i) => created + i * 60_000));
      for (const e of entries) {
        expect(Object.keys(e).sort()).toEqual(['actor', 'at', 'changes', 'type']);
        expect(e.at).toMatch(/Z$/);
        expect(e.actor).toEqual(actor);
      }
      expect(entries[1].changes).toEqual({ notes: ['first', 'second'], customer_name: [null, 'Ada'] });
      expect(Object.keys(entries[2].changes).sort()).toEqual(['notes', 'time']);
      expect(entries[2].changes.notes).toEqual(['second', 'third']);
      expect(entries[2].changes.time.map((v: string) => v.slice(0, 5))).toEqual(['10:00', '11:00']);
      expect(entries[3].changes).toEqual({ duration_minutes: [30, 45] });
      expect(entries[4].changes.status).toEqual(['active', 'cancelled']);
    });

    it('answers 404 for an unknown booking', async () => {
      expectErrorShape(await get(t, '/api/v1/bookings/987654/history'), 404, 'BOOKING_NOT_FOUND');
    });
  });
});
