import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, del, expectErrorShape, get, Json, patch, post } from './helpers';

const WORKWEEK = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] };

async function put(t: TestApp, providerId: number, body: unknown) {
  return t.app.inject({ method: 'PUT', url: `/api/v1/providers/${providerId}/schedule`, headers: t.headers(), payload: body as any });
}

describe.each(DIALECTS)('provider schedules over HTTP (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('PUT, GET and DELETE', () => {
    it('PUT stores the schedule and answers it normalised: windows sorted, days in week order, defaults filled', async () => {
      const p = await createProvider(t);
      const res = await put(t, p.id, {
        weekly: { fri: [['13:00', '24:00']], mon: [['13:00', '17:00'], ['09:00', '12:00']] },
        exceptions: { '2027-12-25': [], '2027-12-24': [['10:00', '11:00'], ['08:00', '09:00']] },
        buffer_after_minutes: 10,
      });
      const expected = {
        weekly: { mon: [['09:00', '12:00'], ['13:00', '17:00']], fri: [['13:00', '24:00']] },
        exceptions: { '2027-12-24': [['08:00', '09:00'], ['10:00', '11:00']], '2027-12-25': [] },
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        min_notice_minutes: 0,
        max_days_ahead: 365,
        min_cancel_notice_minutes: 0,
        min_reschedule_notice_minutes: 0,
      };
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(expected);
      expect(Object.keys(res.json().weekly)).toEqual(['mon', 'fri']);

      const read = await get(t, `/api/v1/providers/${p.id}/schedule`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(expected);
    });

    it('PUT replaces the whole schedule; DELETE removes it (204), then GET and DELETE are 404 NOT_FOUND', async () => {
      const p = await createProvider(t);
      expect((await put(t, p.id, { weekly: WORKWEEK, min_notice_minutes: 60 })).statusCode).toBe(200);
      expect((await put(t, p.id, { weekly: { sat: [['10:00', '12:00']] } })).statusCode).toBe(200);
      expect((await get(t, `/api/v1/providers/${p.id}/schedule`)).json()).toEqual({
        weekly: { sat: [['10:00', '12:00']] },
        exceptions: {},
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 0,
        max_days_ahead: 365,
        min_cancel_notice_minutes: 0,
        min_reschedule_notice_minutes: 0,
      });

      const removed = await del(t, `/api/v1/providers/${p.id}/schedule`);
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      expect(expectErrorShape(await get(t, `/api/v1/providers/${p.id}/schedule`), 404, 'NOT_FOUND').error).toMatch(/schedule/i);
      expectErrorShape(await del(t, `/api/v1/providers/${p.id}/schedule`), 404, 'NOT_FOUND');
    });

    it('GET without a schedule is 404 NOT_FOUND; an unknown provider is 404 PROVIDER_NOT_FOUND on every verb', async () => {
      const p = await createProvider(t);
      expectErrorShape(await get(t, `/api/v1/providers/${p.id}/schedule`), 404, 'NOT_FOUND');
      expect(expectErrorShape(await get(t, '/api/v1/providers/999999/schedule'), 404, 'PROVIDER_NOT_FOUND').error).toBe('Provider not found');
      expectErrorShape(await put(t, 999999, { weekly: WORKWEEK }), 404, 'PROVIDER_NOT_FOUND');
      expectErrorShape(await del(t, '/api/v1/providers/999999/schedule'), 404, 'PROVIDER_NOT_FOUND');
    });

    it('24:00 may end a window; {"weekly": {}} is closed except on the exceptions', async () => {
      const p = await createProvider(t, { default_duration_minutes: 60 });
      const res = await put(t, p.id, { weekly: {}, exceptions: { '2027-02-03': [['22:00', '24:00']] } });
      expect(res.statusCode).toBe(200);
      expect(res.json().weekly).toEqual({});
      const a = await get(t, `/api/v1/providers/${p.id}/availability?date=2027-02-01&to=2027-02-07`);
      expect(a.json().days.map((d: Json) => [d.date, d.slots])).toEqual([
        ['2027-02-01', []],
        ['2027-02-02', []],
        ['2027-02-03', ['22:00', '23:00']],
        ['2027-02-04', []],
        ['2027-02-05', []],
        ['2027-02-06', []],
        ['2027-02-07', []],
      ]);
      expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-02-03', time: '23:00' })).json()).toMatchObject({ end_time: '24:00:00' });
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-02-04', time: '10:00' }), 422, 'OUTSIDE_WORKING_HOURS');
    });
  });

  describe('400 with a message naming the problem', () => {
    const cases: [string, unknown, RegExp][] = [
      ['overlapping windows', { weekly: { mon: [['09:00', '12:00'], ['11:00', '13:00']] } }, /weekly\.mon.*overlapping.*09:00-12:00.*11:00-13:00/],
      ['overlapping exception windows', { weekly: {}, exceptions: { '2027-12-24': [['09:00', '12:00'], ['09:30', '10:00']] } }, /exceptions\.2027-12-24.*overlapping/],
      ['an end before its start', { weekly: { tue: [['12:00', '09:00']] } }, /weekly\.tue.*ends at or before it starts.*12:00-09:00/],
      ['an end equal to its start', { weekly: { tue: [['09:00', '09:00']] } }, /weekly\.tue.*ends at or before it starts/],
      ['an unknown day', { weekly: { funday: [['09:00', '12:00']] } }, /unknown day "funday"/],
      ['a capitalised day', { weekly: { Mon: [['09:00', '12:00']] } }, /unknown day "Mon"/],
      ['an hour past 24', { weekly: { mon: [['09:00', '25:00']] } }, /weekly\.mon.*malformed time/],
      ['a window starting at 24:00', { weekly: { mon: [['24:00', '24:00']] } }, /weekly\.mon.*malformed time/],
      ['minutes past 59', { weekly: { mon: [['09:60', '10:00']] } }, /weekly\.mon.*malformed time/],
      ['a one-digit hour', { weekly: { mon: [['9:00', '12:00']] } }, /weekly\.mon\.0\.0 is malformed/],
      ['a window of three times', { weekly: { mon: [['09:00', '10:00', '11:00']] } }, /weekly\.mon\.0/],
      ['a window that is not a list', { weekly: { mon: ['09:00-12:00'] } }, /weekly\.mon\.0/],
      ['a day that is not a list', { weekly: { mon: '09:00-12:00' } }, /weekly\.mon must be array/],
      ['an invalid exception date', { weekly: {}, exceptions: { '2027-02-30': [] } }, /exceptions has an invalid date "2027-02-30"/],
      ['a malformed exception date', { weekly: {}, exceptions: { tomorrow: [] } }, /exceptions has an invalid date "tomorrow"/],
      ['a buffer over 240', { weekly: {}, buffer_before_minutes: 241 }, /buffer_before_minutes/],
      ['a negative buffer', { weekly: {}, buffer_after_minutes: -1 }, /buffer_after_minutes/],
      ['a fractional buffer', { weekly: {}, buffer_after_minutes: 2.5 }, /buffer_after_minutes/],
      ['a notice over a year', { weekly: {}, min_notice_minutes: 525601 }, /min_notice_minutes/],
      ['a horizon of 0 days', { weekly: {}, max_days_ahead: 0 }, /max_days_ahead/],
      ['a horizon over 3650 days', { weekly: {}, max_days_ahead: 3651 }, /max_days_ahead/],
      ['a number sent as a string', { weekly: {}, max_days_ahead: '30' }, /max_days_ahead/],
      ['an unknown field', { weekly: {}, timezone: 'UTC' }, /Unknown field: timezone/],
      ['no weekly', { exceptions: {} }, /^Missing required fields: weekly$/],
      ['a null weekly', { weekly: null }, /^Missing required fields: weekly$/],
      ['a weekly list', { weekly: [] }, /weekly/],
    ];

    it.each(cases)('%s', async (_name, body, message) => {
      const p = await createProvider(t);
      const res = await put(t, p.id, body);
      expect(expectErrorShape(res, 400, 'VALIDATION_ERROR').error).toMatch(message);
      expectErrorShape(await get(t, `/api/v1/providers/${p.id}/schedule`), 404, 'NOT_FOUND');
    });

    it('a refused PUT leaves the stored schedule as it was', async () => {
      const p = await createProvider(t);
      const first = (await put(t, p.id, { weekly: WORKWEEK })).json();
      expect((await put(t, p.id, { weekly: { mon: [['09:00', '12:00'], ['11:00', '13:00']] } })).statusCode).toBe(400);
      expect((await get(t, `/api/v1/providers/${p.id}/schedule`)).json()).toEqual(first);
    });

    it('400 comes before 404: a bad schedule for an unknown provider is 400', async () => {
      expectErrorShape(await put(t, 999999, { weekly: { funday: [] } }), 400, 'VALIDATION_ERROR');
    });
  });

  describe('existing bookings are never touched', () => {
    it('changing the schedule to close their hours, then deleting it, leaves every booking exactly as it was', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      const a = await book(t, { provider_id: p.id, date: '2027-02-01', time: '07:00' });
      const b = await book(t, { provider_id: p.id, date: '2027-02-06', time: '10:00', duration_minutes: 90 });
      const snapshot = async () => ({
        a: (await get(t, `/api/v1/bookings/${a.id}`)).json(),
        b: (await get(t, `/api/v1/bookings/${b.id}`)).json(),
        history: [(await get(t, `/api/v1/bookings/${a.id}/history`)).json(), (await get(t, `/api/v1/bookings/${b.id}/history`)).json()],
        list: (await get(t, `/api/v1/bookings?provider_id=${p.id}&status=all`)).json(),
      });
      const before = await snapshot();
      expect(before.a).toMatchObject({ status: 'active', version: 1, time: '07:00:00' });

      expect((await put(t, p.id, { weekly: WORKWEEK, buffer_before_minutes: 240, buffer_after_minutes: 240, max_days_ahead: 1 })).statusCode).toBe(200);
      expect(await snapshot()).toEqual(before);
      expect((await put(t, p.id, { weekly: {} })).statusCode).toBe(200);
      expect(await snapshot()).toEqual(before);
      expect((await del(t, `/api/v1/providers/${p.id}/schedule`)).statusCode).toBe(204);
      expect(await snapshot()).toEqual(before);
    });

    it('a booking made before the schedule keeps its own span; new bookings around it obey the new buffers', async () => {
      const p = await createProvider(t);
      await book(t, { provider_id: p.id, date: '2027-02-01', time: '10:00' });
      await put(t, p.id, { weekly: WORKWEEK, buffer_after_minutes: 30 });
      // The old booking has no buffer of its own; a new one's 30 minutes after may touch it but not reach into it.
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-02-01', time: '09:30' }), 409, 'SLOT_UNAVAILABLE');
      expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-02-01', time: '09:00' })).statusCode).toBe(201);
      expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-02-01', time: '10:30' })).statusCode).toBe(201);
      expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-02-01', time: '08:30', duration_minutes: 30 })).statusCode).toBe(422);
    });
  });

  describe('order of checks on create and on reschedule', () => {
    // now: Monday 2027-01-04 09:00 in Berlin (08:00Z).
    const STRICT = { weekly: WORKWEEK, min_notice_minutes: 2880, max_days_ahead: 1 };
    const OPEN = { weekly: WORKWEEK, min_notice_minutes: 0, max_days_ahead: 30 };
    // Each case breaks the rule named and every rule after it that it can.
    const TIMING_RULE_CASES: [string, string, string][] = [
      // Skipped by the spring-forward; also past, too soon, on a closed Sunday.
      ['NONEXISTENT_LOCAL_TIME', '2026-03-29', '02:30'],
      // Skipped, too far ahead and on a closed Sunday.
      ['NONEXISTENT_LOCAL_TIME', '2027-03-28', '02:30'],
      // Past, too soon and on a closed Sunday.
      ['IN_THE_PAST', '2027-01-03', '03:00'],
      // 45 hours ahead (notice is 48), two days ahead (horizon is one) and before opening.
      ['TOO_SOON', '2027-01-06', '06:00'],
      // Five days ahead and on a closed Saturday.
      ['TOO_FAR_AHEAD', '2027-01-09', '12:00'],
    ];

    let p: Json;
    let early: Json;
    let mid: Json;
    let mover: Json;

    beforeAll(async () => {
      p = await createProvider(t, { timezone: 'Europe/Berlin', default_duration_minutes: 60 });
      // Made while the provider had no schedule: one outside the hours set later, two inside.
      early = await book(t, { provider_id: p.id, date: '2027-01-05', time: '07:00' });
      mid = await book(t, { provider_id: p.id, date: '2027-01-05', time: '10:00' });
      mover = await book(t, { provider_id: p.id, date: '2027-01-05', time: '13:00' });
    });

    it('create: 400 before 404 before 422', async () => {
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: 999999, date: '2027-02-30', time: '10:00' }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: 999999, date: '2027-01-05', time: '25:00' }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: 999999, date: '2026-03-29', time: '02:30' }), 404, 'PROVIDER_NOT_FOUND');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: 999999, date: '2027-01-05', time: '10:00' }), 404, 'PROVIDER_NOT_FOUND');
    });

    it('reschedule: 400 before 404 before 422', async () => {
      expectErrorShape(await patch(t, '/api/v1/bookings/999999', { time: '7pm' }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, '/api/v1/bookings/999999', { date: '2027-13-01' }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await patch(t, '/api/v1/bookings/999999', { date: '2026-03-29', time: '02:30' }), 404, 'BOOKING_NOT_FOUND');
    });

    it('create: the 422 codes in contract order, each before 409', async () => {
      expect((await put(t, p.id, STRICT)).statusCode).toBe(200);
      for (const [code, date, time] of TIMING_RULE_CASES) {
        const res = await post(t, '/api/v1/bookings', { provider_id: p.id, date, time });
        expect({ date, time, code: expectErrorShape(res, 422, code).code }).toEqual({ date, time, code });
      }
      expect((await put(t, p.id, OPEN)).statusCode).toBe(200);
      // Outside working hours and on an occupied span: the hours answer.
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-05', time: '07:00' }), 422, 'OUTSIDE_WORKING_HOURS');
      // Every calendar rule passes: the overlap answers, with the seed's message.
      const taken = expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-05', time: '10:30' }), 409, 'SLOT_UNAVAILABLE');
      expect(taken).toEqual({ error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE', details: { conflicting_booking_id: mid.id } });
    });

    it('reschedule: the same codes in the same order, and a refused move changes nothing', async () => {
      expect((await put(t, p.id, STRICT)).statusCode).toBe(200);
      const before = (await get(t, `/api/v1/bookings/${mover.id}`)).json();
      for (const [code, date, time] of TIMING_RULE_CASES) {
        const res = await patch(t, `/api/v1/bookings/${mover.id}`, { date, time });
        expect({ date, time, code: expectErrorShape(res, 422, code).code }).toEqual({ date, time, code });
      }
      expect((await put(t, p.id, OPEN)).statusCode).toBe(200);
      expectErrorShape(await patch(t, `/api/v1/bookings/${mover.id}`, { time: '07:00' }), 422, 'OUTSIDE_WORKING_HOURS');
      expectErrorShape(await patch(t, `/api/v1/bookings/${mover.id}`, { time: '07:30', duration_minutes: 30 }), 422, 'OUTSIDE_WORKING_HOURS');
      const taken = expectErrorShape(await patch(t, `/api/v1/bookings/${mover.id}`, { time: '10:30' }), 409, 'SLOT_UNAVAILABLE');
      expect(taken).toEqual({ error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE', details: { conflicting_booking_id: mid.id } });
      const after = (await get(t, `/api/v1/bookings/${mover.id}`)).json();
      expect(after).toEqual(before);
      expect((await get(t, `/api/v1/bookings/${early.id}`)).json()).toMatchObject({ status: 'active', time: '07:00:00' });

      // Moving within its own span, inside the hours, works.
      const moved = await patch(t, `/api/v1/bookings/${mover.id}`, { time: '13:30' });
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toMatchObject({ id: mover.id, time: '13:30:00', end_time: '14:30:00', version: before.version + 1 });
    });
  });
});
