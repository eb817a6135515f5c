import { DIALECTS } from '../support/databases';
import { createTestApp, TestApp } from '../support/http-harness';
import { book, createProvider, del, expectErrorShape, get, Json } from './helpers';

/** (starts_at, id) order, comparing instants, not strings (offsets differ). */
function compareListOrder(a: Json, b: Json): number {
  return Date.parse(a.starts_at) - Date.parse(b.starts_at) || a.id - b.id;
}

describe.each(DIALECTS)('GET /api/v1/bookings on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ dialect });
  });
  afterAll(() => t.close());

  async function walk(query: string, limit: number, between?: (page: number) => Promise<void>): Promise<Json[]> {
    const seen: Json[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const res = await get(t, `/api/v1/bookings?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.length).toBeLessThanOrEqual(limit);
      seen.push(...body.data);
      cursor = body.next_cursor;
      page += 1;
      if (cursor && between) await between(page);
    } while (cursor);
    return seen;
  }

  it('filters by provider, local date range and status, in (starts_at, id) order', async () => {
    const auckland = await createProvider(t, { timezone: 'Pacific/Auckland' });
    const utc = await createProvider(t);
    const nz1 = await book(t, { provider_id: auckland.id, date: '2027-12-25', time: '08:00' }); // 2027-12-24T19:00Z
    const nz2 = await book(t, { provider_id: auckland.id, date: '2027-12-26', time: '08:00' });
    const u1 = await book(t, { provider_id: utc.id, date: '2027-12-24', time: '20:00' });
    const u2 = await book(t, { provider_id: utc.id, date: '2027-12-24', time: '19:00' }); // same instant as nz1
    const u3 = await book(t, { provider_id: utc.id, date: '2027-12-25', time: '10:00' });
    await del(t, `/api/v1/bookings/${u3.id}`);

    const ids = async (query: string) => (await get(t, `/api/v1/bookings?${query}`)).json().data.map((b: Json) => b.id);

    expect(await ids(`provider_id=${auckland.id}`)).toEqual([nz1.id, nz2.id]);
    expect(await ids(`provider_id=${utc.id}`)).toEqual([u2.id, u1.id]);
    expect(await ids(`provider_id=${utc.id}&status=cancelled`)).toEqual([u3.id]);
    expect(await ids(`provider_id=${utc.id}&status=all`)).toEqual([u2.id, u1.id, u3.id]);
    // Dates are provider-local: nz1 lies on 2027-12-25 in Auckland though it starts on 2027-12-24 in UTC.
    expect(await ids(`from=2027-12-25&to=2027-12-25&status=all`)).toEqual([nz1.id, u3.id]);
    expect(await ids('from=2027-12-24&to=2027-12-24')).toEqual([u2.id, u1.id]);
    expect(await ids('from=2027-12-26')).toEqual([nz2.id]);
    expect(await ids('to=2027-12-24')).toEqual([u2.id, u1.id]);
    // Equal starts_at: the id breaks the tie.
    const all = (await get(t, '/api/v1/bookings?status=all')).json().data;
    expect(all.map((b: Json) => b.id)).toEqual([...all].sort(compareListOrder).map((b: Json) => b.id));
    expect(all.findIndex((b: Json) => b.id === nz1.id)).toBeLessThan(all.findIndex((b: Json) => b.id === u2.id));
    expect((await get(t, `/api/v1/bookings?provider_id=999999`)).json()).toEqual({ data: [], next_cursor: null });
  });

  it('walks every booking exactly once, in order, across pages', async () => {
    const p = await createProvider(t, { timezone: 'America/Los_Angeles' });
    const other = await createProvider(t);
    const times = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00'];
    for (const date of ['2027-09-02', '2027-09-01', '2027-09-03']) {
      for (const time of times) await book(t, { provider_id: p.id, date, time });
      await book(t, { provider_id: other.id, date, time: '16:00' }); // same instant as 09:00 in Los Angeles
    }
    const expected = (await get(t, '/api/v1/bookings?from=2027-09-01&to=2027-09-03&limit=200')).json().data as Json[];
    expect(expected).toHaveLength(24);
    for (const limit of [1, 5, 8, 23, 24]) {
      const seen = await walk('from=2027-09-01&to=2027-09-03', limit);
      expect(seen.map((b) => b.id)).toEqual(expected.map((b) => b.id));
    }
    expect([...expected].sort(compareListOrder)).toEqual(expected);
  });

  it('keeps every booking once while new bookings are inserted between page requests', async () => {
    const p = await createProvider(t);
    const dates = ['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04'];
    for (const date of dates) for (const time of ['10:00', '11:00', '12:00']) await book(t, { provider_id: p.id, date, time });
    const before = (await get(t, `/api/v1/bookings?provider_id=${p.id}&limit=200`)).json().data as Json[];

    const inserted: Json[] = [];
    const seen = await walk(`provider_id=${p.id}`, 2, async (page) => {
      // One booking before everything already read, one at the very end, one between the existing ones.
      const hour = String(page).padStart(2, '0');
      inserted.push(await book(t, { provider_id: p.id, date: '2027-09-30', time: `${hour}:00` }));
      inserted.push(await book(t, { provider_id: p.id, date: '2027-10-05', time: `${hour}:00` }));
      inserted.push(await book(t, { provider_id: p.id, date: '2027-10-04', time: `${hour}:30` }));
    });

    const seenIds = seen.map((b) => b.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    for (const b of before) expect(seenIds).toContain(b.id);
    expect([...seen].sort(compareListOrder)).toEqual(seen);
    // Bookings added behind the read position are not shown; those ahead of it are.
    for (const b of inserted.filter((x) => x.date === '2027-10-05')) expect(seenIds).toContain(b.id);
    for (const b of inserted.filter((x) => x.date === '2027-09-30')) expect(seenIds).not.toContain(b.id);
  });

  it('uses a default page of 50', async () => {
    const p = await createProvider(t);
    for (let i = 0; i < 51; i++) {
      const minute = 8 * 60 + i * 10;
      await book(t, { provider_id: p.id, date: '2027-08-01', time: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`, duration_minutes: 10 });
    }
    const first = (await get(t, `/api/v1/bookings?provider_id=${p.id}`)).json();
    expect(first.data).toHaveLength(50);
    const second = (await get(t, `/api/v1/bookings?provider_id=${p.id}&cursor=${first.next_cursor}`)).json();
    expect(second.data).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
  });

  it('refuses a cursor used with other filters (400)', async () => {
    const p = await createProvider(t);
    for (const time of ['10:00', '11:00']) await book(t, { provider_id: p.id, date: '2027-07-01', time });
    const { next_cursor: cursor } = (await get(t, `/api/v1/bookings?provider_id=${p.id}&limit=1`)).json();
    expectErrorShape(await get(t, `/api/v1/bookings?provider_id=${p.id}&status=all&limit=1&cursor=${cursor}`), 400, 'VALIDATION_ERROR');
    expectErrorShape(await get(t, `/api/v1/bookings?provider_id=${p.id}&from=2027-07-01&limit=1&cursor=${cursor}`), 400, 'VALIDATION_ERROR');
  });
});
