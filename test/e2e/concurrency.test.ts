import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { api, OVERLAPPING_ACTIVE_BOOKINGS, queryDatabase, ServerProcess, startServers } from './support/server-process';

describe.each(DIALECTS)('concurrent bookings against one server process on %s', (dialect) => {
  let databaseUrl: string;
  let server: ServerProcess;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(dialect);
    [server] = await startServers(databaseUrl, 1);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives one slot to exactly one of 50 simultaneous requests; the rest get 409 SLOT_UNAVAILABLE', async () => {
    const provider = await api(server.url, 'POST', '/api/v1/providers', { name: 'Rush', email: 'rush@example.com' });
    expect(provider.status).toBe(201);
    const body = { provider_id: provider.body.id, date: '2027-12-25', time: '14:30' };

    const answers = await Promise.all(Array.from({ length: 50 }, () => api(server.url, 'POST', '/api/v1/bookings', body)));

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const winner = answers.find((a) => a.status === 201)!.body;
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body).toEqual({ error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE', details: { conflicting_booking_id: winner.id } });
    }
    const rows = await queryDatabase<{ id: number }>(databaseUrl, `select id from bookings where provider_id = ${provider.body.id}`);
    expect(rows.map((r) => Number(r.id))).toEqual([winner.id]);
    const events = await queryDatabase<{ n: number }>(databaseUrl, `select count(*) as n from booking_events where booking_id = ${winner.id}`);
    expect(Number(events[0].n)).toBe(1);
  });

  it('never lets 40 simultaneous overlapping requests produce overlapping bookings', async () => {
    const provider = await api(server.url, 'POST', '/api/v1/providers', { name: 'Overlap', email: 'overlap@example.com' });
    // Starts every 5 minutes from 09:00, each 30 minutes long: many pairs overlap, some do not.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const minute = 9 * 60 + i * 5;
        const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        return api(server.url, 'POST', '/api/v1/bookings', { provider_id: provider.body.id, date: '2027-12-26', time, duration_minutes: 30 });
      }),
    );
    for (const a of answers) expect([201, 409]).toContain(a.status);
    const created = answers.filter((a) => a.status === 201).length;
    // 40 starts over 200 minutes fit at least 200 / 30 / 2 bookings whatever the order of arrival.
    expect(created).toBeGreaterThanOrEqual(4);
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);
    const rows = await queryDatabase<{ n: number }>(databaseUrl, `select count(*) as n from bookings where provider_id = ${provider.body.id}`);
    expect(Number(rows[0].n)).toBe(created);
  });
});
