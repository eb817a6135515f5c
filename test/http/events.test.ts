import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { adminActorId, book, countRows, createProvider, del, expectErrorShape, get, Json, patch } from './helpers';

describe.each(DIALECTS)('GET /api/v1/events on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  async function pollAll(after: number, limit: number): Promise<{ events: Json[]; nextAfter: number }> {
    const events: Json[] = [];
    let cursor = after;
    for (;;) {
      const res = await get(t, `/api/v1/events?after=${cursor}&limit=${limit}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.data.length).toBeLessThanOrEqual(limit);
      if (page.data.length === 0) {
        expect(page.next_after).toBe(cursor);
        return { events, nextAfter: cursor };
      }
      expect(page.next_after).toBe(page.data[page.data.length - 1].id);
      events.push(...page.data);
      cursor = page.next_after;
    }
  }

  it('records one event per change, each with the booking as it became', async () => {
    const actor = await adminActorId(t);
    const { nextAfter: start } = await pollAll(0, 500);
    const p = await createProvider(t, { timezone: 'Europe/Berlin' });
    const b = await book(t, { provider_id: p.id, date: '2027-12-25', time: '10:00' });
    t.clock.advance(1000);
    await patch(t, `/api/v1/bookings/${b.id}`, { notes: 'window seat' });
    await patch(t, `/api/v1/bookings/${b.id}`, { notes: 'window seat' });
    await patch(t, `/api/v1/bookings/${b.id}`, { time: '11:00' });
    await del(t, `/api/v1/bookings/${b.id}`);
    await del(t, `/api/v1/bookings/${b.id}`);

    const { events } = await pollAll(start, 500);
    expect(events.map((e) => e.type)).toEqual(['booking.created', 'booking.updated', 'booking.rescheduled', 'booking.cancelled']);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(expect.arrayContaining(['at', 'booking', 'id', 'type']));
      expect(e.booking.id).toBe(b.id);
      expect(e.at).toMatch(/Z$/);
    }
    // The event shows the booking as reads do: without the manage token only its 201 carries.
    const { manage_token: token, ...created } = b;
    expect(token).toMatch(/^mt_/);
    expect(events[0].booking).toEqual(created);
    expect(events[1].booking).toMatchObject({ notes: 'window seat', version: 2, time: '10:00:00' });
    expect(events[2].booking).toMatchObject({ time: '11:00:00', starts_at: '2027-12-25T11:00:00+01:00', version: 3 });
    expect(events[3].booking).toMatchObject({ status: 'cancelled', version: 4 });
    expect(events[3].booking.cancelled_at).toMatch(/Z$/);
    expect((await get(t, `/api/v1/bookings/${b.id}/history`)).json().data.map((h: Json) => h.actor)).toEqual(events.map(() => actor));
  });

  it('pages with after/limit/next_after without gaps or repeats', async () => {
    const p = await createProvider(t);
    for (let i = 0; i < 9; i++) {
      const b = await book(t, { provider_id: p.id, date: '2027-11-11', time: `${String(8 + i).padStart(2, '0')}:00` });
      if (i % 3 === 0) await del(t, `/api/v1/bookings/${b.id}`);
    }
    const total = (await countRows(t)).booking_events;
    const everything = (await pollAll(0, 500)).events;
    expect(everything).toHaveLength(total);
    for (const limit of [1, 4, 7]) {
      const { events, nextAfter } = await pollAll(0, limit);
      expect(events.map((e) => e.id)).toEqual(everything.map((e) => e.id));
      expect(nextAfter).toBe(everything[everything.length - 1].id);
    }
    const ids = everything.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    const middle = ids[4];
    const rest = (await get(t, `/api/v1/events?after=${middle}&limit=2`)).json();
    expect(rest.data.map((e: Json) => e.id)).toEqual(ids.slice(5, 7));
    expect(rest.next_after).toBe(ids[6]);
  });

  it('uses after=0 and limit=100 by default, accepts limit=500, and answers next_after=after when nothing is newer', async () => {
    const p = await createProvider(t);
    const missing = 101 - (await countRows(t)).booking_events;
    for (let i = 0; i < missing; i++) {
      const minute = i * 10;
      await book(t, { provider_id: p.id, date: '2027-05-05', time: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`, duration_minutes: 10 });
    }
    const total = (await countRows(t)).booking_events;
    expect(total).toBeGreaterThan(100);
    const first = (await get(t, '/api/v1/events')).json();
    expect(first.data).toHaveLength(100);
    expect(first.data[0].id).toBe((await get(t, '/api/v1/events?after=0&limit=1')).json().data[0].id);
    expect((await get(t, '/api/v1/events?limit=500')).json().data).toHaveLength(Math.min(total, 500));
    const lastId = (await pollAll(0, 500)).nextAfter;
    expect((await get(t, `/api/v1/events?after=${lastId}`)).json()).toEqual({ data: [], next_after: lastId });
    expect((await get(t, `/api/v1/events?after=${lastId + 1000}`)).json()).toEqual({ data: [], next_after: lastId + 1000 });
  });

  it.each(['limit=0', 'limit=501', 'after=-1', 'after=1.5', 'since=3'])('refuses %s (400)', async (query) => {
    expectErrorShape(await get(t, `/api/v1/events?${query}`), 400, 'VALIDATION_ERROR');
  });
});
