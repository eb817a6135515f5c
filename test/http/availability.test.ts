import { FastifyInstance } from 'fastify';
import { createHttpApp } from '../../src/http-server';
import { BookingService, createService } from '../../src/service';
import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, del, expectErrorShape, get, Json, patch, post } from './helpers';

// now (harness): Monday 2027-01-04 08:00 UTC.
const MORNINGS = { weekly: { mon: [['09:00', '12:00']], wed: [['09:00', '12:00']] } };

async function put(t: TestApp, providerId: number, body: unknown) {
  const res = await t.app.inject({ method: 'PUT', url: `/api/v1/providers/${providerId}/schedule`, headers: t.headers(), payload: body as any });
  expect(res.statusCode).toBe(200);
}

const availability = (t: TestApp, providerId: number, query: string, headers: Record<string, string> = {}) =>
  get(t, `/api/v1/providers/${providerId}/availability?${query}`, headers);

async function slots(t: TestApp, providerId: number, query: string): Promise<string[]> {
  const res = await availability(t, providerId, query);
  expect(res.statusCode).toBe(200);
  return res.json().days[0].slots;
}

function datesFrom(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
}

describe.each(DIALECTS)('availability over HTTP (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('the answer', () => {
    it('one date: the provider, its zone, the duration and every start of the grid', async () => {
      const p = await createProvider(t, { timezone: 'Europe/Berlin' });
      await put(t, p.id, MORNINGS);
      const res = await availability(t, p.id, 'date=2027-01-11');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({
        provider_id: p.id,
        timezone: 'Europe/Berlin',
        duration_minutes: 30,
        days: [{ date: '2027-01-11', slots: ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30'], remaining: [1, 1, 1, 1, 1, 1] }],
      });
    });

    it('62 dates at most, every one listed in order, closed ones with no slots', async () => {
      const p = await createProvider(t);
      await put(t, p.id, MORNINGS);
      const res = await availability(t, p.id, 'date=2027-01-11&to=2027-03-13');
      expect(res.statusCode).toBe(200);
      const days = res.json().days as Json[];
      expect(days.map((d) => d.date)).toEqual(datesFrom('2027-01-11', 62));
      for (const d of days) {
        const weekday = new Date(`${d.date}T00:00:00Z`).getUTCDay();
        expect({ date: d.date, count: d.slots.length }).toEqual({ date: d.date, count: weekday === 1 || weekday === 3 ? 6 : 0 });
      }
    });

    it('63 dates, to before date, malformed dates and durations are 400', async () => {
      const p = await createProvider(t);
      const bad: [string, RegExp][] = [
        ['date=2027-01-11&to=2027-03-14', /62/],
        ['date=2027-01-11&to=2027-01-10', /to must not be before date/],
        ['date=2027-02-30', /date/],
        ['date=11.01.2027', /date/],
        ['date=2027-01-11&to=soon', /to/],
        ['to=2027-01-11', /date/],
        ['date=2027-01-11&duration_minutes=4', /duration_minutes/],
        ['date=2027-01-11&duration_minutes=481', /duration_minutes/],
        ['date=2027-01-11&duration_minutes=30.5', /duration_minutes/],
        ['date=2027-01-11&duration_minutes=half', /duration_minutes/],
        ['date=2027-01-11&colour=blue', /colour/],
      ];
      for (const [query, message] of bad) {
        const body = expectErrorShape(await availability(t, p.id, query), 400, 'VALIDATION_ERROR');
        expect({ query, error: body.error }).toEqual({ query, error: expect.stringMatching(message) });
      }
    });

    it('an unknown provider is 404, after validation', async () => {
      expectErrorShape(await availability(t, 999999, 'date=2027-01-11'), 404, 'PROVIDER_NOT_FOUND');
      expectErrorShape(await availability(t, 999999, 'date=2027-01-11&to=2027-01-10'), 400, 'VALIDATION_ERROR');
    });

    it('without a schedule the whole day is the window; past dates and past times have no slots', async () => {
      const p = await createProvider(t, { default_duration_minutes: 60 });
      const res = await availability(t, p.id, 'date=2027-01-03&to=2027-01-05');
      const days = res.json().days as Json[];
      expect(days[0]).toEqual({ date: '2027-01-03', slots: [], remaining: [] });
      // Today from now on: 08:00 is exactly now, which is not in the past.
      expect(days[1].slots).toEqual(Array.from({ length: 16 }, (_, i) => `${String(8 + i).padStart(2, '0')}:00`));
      expect(days[2].slots).toHaveLength(24);
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-04', time: '07:00' }), 422, 'IN_THE_PAST');
      expect((await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-04', time: '08:00' })).statusCode).toBe(201);
    });

    it('duration_minutes sets the grid; without it the provider default does; tails too short are not listed', async () => {
      const p = await createProvider(t, { default_duration_minutes: 45 });
      await put(t, p.id, MORNINGS);
      expect(await slots(t, p.id, 'date=2027-01-11')).toEqual(['09:00', '09:45', '10:30', '11:15']);
      expect((await availability(t, p.id, 'date=2027-01-11')).json().duration_minutes).toBe(45);
      expect(await slots(t, p.id, 'date=2027-01-11&duration_minutes=90')).toEqual(['09:00', '10:30']);
      expect(await slots(t, p.id, 'date=2027-01-11&duration_minutes=100')).toEqual(['09:00']);
      expect(await slots(t, p.id, 'date=2027-01-11&duration_minutes=181')).toEqual([]);
      expect((await availability(t, p.id, 'date=2027-01-11&duration_minutes=90')).json().duration_minutes).toBe(90);
    });

    it('a grid starts at each window’s own start', async () => {
      const p = await createProvider(t, { default_duration_minutes: 60 });
      await put(t, p.id, { weekly: { mon: [['13:10', '15:10'], ['08:15', '10:00']] } });
      expect(await slots(t, p.id, 'date=2027-01-11')).toEqual(['08:15', '13:10', '14:10']);
    });

    it('booked spans and the buffers around them remove neighbouring slots, as booking them would be refused', async () => {
      const p = await createProvider(t);
      await put(t, p.id, { ...MORNINGS, buffer_before_minutes: 15, buffer_after_minutes: 30 });
      const all = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30'];
      expect(await slots(t, p.id, 'date=2027-01-11')).toEqual(all);
      await book(t, { provider_id: p.id, date: '2027-01-11', time: '10:00' });
      // Two bookings need a gap of 30 + 15 minutes: only 11:30 (45 minutes after 10:30) is left.
      const left = await slots(t, p.id, 'date=2027-01-11');
      expect(left).toEqual(['11:30']);
      for (const time of all) {
        const res = await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-11', time });
        if (left.includes(time)) expect(res.statusCode).toBe(201);
        else expectErrorShape(res, 409, 'SLOT_UNAVAILABLE');
      }
      // Without buffers the same booking removes only its own slot.
      const q = await createProvider(t);
      await put(t, q.id, MORNINGS);
      await book(t, { provider_id: q.id, date: '2027-01-11', time: '10:00' });
      expect(await slots(t, q.id, 'date=2027-01-11')).toEqual(['09:00', '09:30', '10:30', '11:00', '11:30']);
    });

    it('notice and horizon: the earliest and latest slots follow them', async () => {
      const p = await createProvider(t);
      await put(t, p.id, { weekly: { mon: [['06:00', '12:00']], tue: [['06:00', '12:00']] }, min_notice_minutes: 90, max_days_ahead: 7 });
      // now is 08:00: 09:30 is the first start with 90 minutes of notice.
      expect(await slots(t, p.id, 'date=2027-01-04')).toEqual(['09:30', '10:00', '10:30', '11:00', '11:30']);
      const res = await availability(t, p.id, 'date=2027-01-10&to=2027-01-12');
      expect(res.json().days.map((d: Json) => [d.date, d.slots.length])).toEqual([
        ['2027-01-10', 0],
        ['2027-01-11', 12],
        ['2027-01-12', 0],
      ]);
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-12', time: '09:00' }), 422, 'TOO_FAR_AHEAD');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-04', time: '09:00' }), 422, 'TOO_SOON');
    });
  });

  describe('ETag', () => {
    const etagOf = async (target: { app: FastifyInstance }, providerId: number, query = 'date=2027-01-11&to=2027-01-13') => {
      const res = await target.app.inject({
        method: 'GET',
        url: `/api/v1/providers/${providerId}/availability?${query}`,
        headers: { authorization: t.headers().authorization },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toMatch(/^"[^"]+"$/);
      return res.headers.etag as string;
    };

    it('stays the same while nothing changes; If-None-Match with it gives 304 without a body', async () => {
      const p = await createProvider(t);
      await put(t, p.id, MORNINGS);
      const etag = await etagOf(t, p.id);
      expect(await etagOf(t, p.id)).toBe(etag);

      const notModified = await availability(t, p.id, 'date=2027-01-11&to=2027-01-13', { 'if-none-match': etag });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.body).toBe('');
      expect(notModified.headers.etag).toBe(etag);
      expect((await availability(t, p.id, 'date=2027-01-11&to=2027-01-13', { 'if-none-match': `"other", W/${etag}` })).statusCode).toBe(304);
      expect((await availability(t, p.id, 'date=2027-01-11&to=2027-01-13', { 'if-none-match': '"other"' })).statusCode).toBe(200);
      // Another question has another tag.
      expect(await etagOf(t, p.id, 'date=2027-01-11&to=2027-01-13&duration_minutes=60')).not.toBe(etag);
    });

    it('changes when a booking is created, rescheduled or cancelled, or the schedule is put or deleted; refusals and other providers leave it', async () => {
      const p = await createProvider(t);
      const other = await createProvider(t);
      await put(t, p.id, MORNINGS);
      const seen = [await etagOf(t, p.id)];
      // A change makes the tag differ from the one before; undoing a change may bring an older tag back, since the
      // answer is then the same again (a 304 for it is right).
      const changed = async (what: string) => {
        const etag = await etagOf(t, p.id);
        expect({ what, fresh: etag !== seen[seen.length - 1] }).toEqual({ what, fresh: true });
        seen.push(etag);
        return etag;
      };
      const unchanged = async (what: string) => {
        expect({ what, etag: await etagOf(t, p.id) }).toEqual({ what, etag: seen[seen.length - 1] });
      };

      const b = await book(t, { provider_id: p.id, date: '2027-01-11', time: '09:00' });
      const afterCreate = await changed('created');
      expect((await availability(t, p.id, 'date=2027-01-11&to=2027-01-13', { 'if-none-match': seen[0] })).statusCode).toBe(200);
      expect((await availability(t, p.id, 'date=2027-01-11&to=2027-01-13', { 'if-none-match': afterCreate })).statusCode).toBe(304);

      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-11', time: '09:00' }), 409, 'SLOT_UNAVAILABLE');
      expectErrorShape(await post(t, '/api/v1/bookings', { provider_id: p.id, date: '2027-01-11', time: '13:00' }), 422, 'OUTSIDE_WORKING_HOURS');
      await unchanged('refused bookings');
      await book(t, { provider_id: other.id, date: '2027-01-11', time: '09:30' });
      await put(t, other.id, MORNINGS);
      await unchanged("another provider's booking and schedule");
      expect((await patch(t, `/api/v1/bookings/${b.id}`, { time: '09:00' })).statusCode).toBe(200);
      await unchanged('a PATCH that changes nothing');

      expect((await patch(t, `/api/v1/bookings/${b.id}`, { time: '10:00' })).statusCode).toBe(200);
      await changed('rescheduled');
      expect((await del(t, `/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
      await changed('cancelled');
      expect((await del(t, `/api/v1/bookings/${b.id}`)).statusCode).toBe(204);
      await unchanged('cancelled again');
      await put(t, p.id, { weekly: { mon: [['09:00', '11:00']] } });
      await changed('schedule put');
      expect((await del(t, `/api/v1/providers/${p.id}/schedule`)).statusCode).toBe(204);
      await changed('schedule deleted');
    });

    it('changes when a second service instance on the same database changes the schedule or the bookings', async () => {
      const second: { service: BookingService; app: FastifyInstance } = await (async () => {
        const service = await createService({ databaseUrl: t.config.DATABASE_URL, clock: t.clock });
        const app = await createHttpApp(service, t.config, { logger: false });
        await app.ready();
        return { service, app };
      })();
      try {
        const p = await createProvider(t);
        await put(t, p.id, MORNINGS);
        const first = await etagOf(t, p.id);
        expect(await etagOf(second, p.id)).toBe(first);

        const res = await second.app.inject({
          method: 'PUT',
          url: `/api/v1/providers/${p.id}/schedule`,
          headers: t.headers(),
          payload: { ...MORNINGS, buffer_after_minutes: 5 },
        });
        expect(res.statusCode).toBe(200);
        const afterSchedule = await etagOf(t, p.id);
        expect(afterSchedule).not.toBe(first);
        expect((await availability(t, p.id, 'date=2027-01-11&to=2027-01-13', { 'if-none-match': first })).statusCode).toBe(200);

        const booked = await second.app.inject({
          method: 'POST',
          url: '/api/v1/bookings',
          headers: t.headers(),
          payload: { provider_id: p.id, date: '2027-01-11', time: '11:30' },
        });
        expect(booked.statusCode).toBe(201);
        const afterBooking = await etagOf(t, p.id);
        expect(afterBooking).not.toBe(afterSchedule);
        expect(await slots(t, p.id, 'date=2027-01-11')).toEqual(['09:00', '09:30', '10:00', '10:30']);
      } finally {
        await second.app.close();
        await second.service.close();
      }
    });

    it('changes when time makes a slot lapse, though nothing was written', async () => {
      const p = await createProvider(t);
      await put(t, p.id, { weekly: { mon: [['09:00', '12:00']] } });
      const before = await etagOf(t, p.id, 'date=2027-01-04');
      t.clock.advance(90 * 60_000);
      try {
        expect(await etagOf(t, p.id, 'date=2027-01-04')).not.toBe(before);
        expect(await slots(t, p.id, 'date=2027-01-04')).toEqual(['09:30', '10:00', '10:30', '11:00', '11:30']);
      } finally {
        t.clock.advance(-90 * 60_000);
      }
    });
  });
});
