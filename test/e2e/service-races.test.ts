import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { api, ApiResponse, OVERLAPPING_ACTIVE_BOOKINGS, queryDatabase, ServerProcess, startServers } from './support/server-process';

const SLOT_TAKEN = 'This time slot is already booked';

describe.each(DIALECTS)('service bookings racing on two server processes on one %s database', (dialect) => {
  let databaseUrl: string;
  let servers: ServerProcess[];
  let emails = 0;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(dialect);
    servers = await startServers(databaseUrl, 2);
  });
  afterAll(async () => {
    const ends = await Promise.all((servers ?? []).map((s) => s.stop()));
    expect(ends).toEqual((servers ?? []).map(() => 0));
  });

  const on = (i: number) => servers[i % servers.length].url;

  async function provider(timezone = 'UTC'): Promise<number> {
    const res = await api(on(0), 'POST', '/api/v1/providers', { name: 'Racer', email: `racer${++emails}@example.com`, timezone });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function service(pools: number[][], timezone = 'UTC', slotInterval = 30): Promise<number> {
    const res = await api(on(1), 'POST', '/api/v1/services', { name: 'Race', duration_minutes: 30, slot_interval_minutes: slotInterval, timezone, pools });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** The occupying occupancies of these providers, as [booking, provider] pairs. */
  async function occupying(providerIds: number[]): Promise<[number, number][]> {
    const rows = await queryDatabase<{ booking_id: number; provider_id: number }>(
      databaseUrl,
      `select booking_id, provider_id from occupancies where status = 'occupying' and provider_id in (${providerIds.join(', ')}) order by booking_id, provider_id`,
    );
    return rows.map((r) => [Number(r.booking_id), Number(r.provider_id)]);
  }

  /** Every booking answered 201 holds exactly its provider_ids in the database, and nothing else holds them. */
  async function expectStoredAsAnswered(created: ApiResponse[], providerIds: number[]): Promise<void> {
    const expected = created.flatMap((a) => (a.body.provider_ids as number[]).map((p): [number, number] => [a.body.id, p]));
    expected.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(await occupying(providerIds)).toEqual(expected);
  }

  it('gives 50 simultaneous requests for one slot of a pool of 3 exactly 3 bookings, one on each provider', async () => {
    const pool = [await provider('Europe/Berlin'), await provider('America/New_York'), await provider('Asia/Tokyo')];
    const id = await service([pool], 'Europe/London');
    const body = { service_id: id, date: '2027-12-15', time: '10:00' };

    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => api(on(i), 'POST', '/api/v1/bookings', body)));

    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, ...Array(47).fill(409)]);
    const created = answers.filter((a) => a.status === 201);
    expect(created.map((a) => a.body.provider_id).sort((x, y) => x - y)).toEqual([...pool].sort((x, y) => x - y));
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: 0 } });
    await expectStoredAsAnswered(created, pool);
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);
  });

  it('never overlaps two services whose pools cross ([[A, B], [C]] and [[C], [A]]) hammered at the same times', async () => {
    const [a, b, c] = [await provider(), await provider(), await provider()];
    const first = await service([[a, b], [c]]);
    const second = await service([[c], [a]]);
    // Every booking of either service needs C: each of these disjoint slots can go to exactly one request.
    const times = ['09:00', '09:30', '10:00', '10:30'];
    const requests: Promise<ApiResponse>[] = [];
    for (let i = 0; i < 64; i++) {
      const serviceId = i % 2 ? first : second;
      requests.push(api(on(i >> 1), 'POST', '/api/v1/bookings', { service_id: serviceId, date: '2027-12-16', time: times[(i >> 2) % times.length] }));
    }
    const answers = await Promise.all(requests);

    for (const x of answers) expect([201, 409]).toContain(x.status);
    const created = answers.filter((x) => x.status === 201);
    expect(created.map((x) => x.body.time).sort()).toEqual(times.map((t) => `${t}:00`));
    for (const x of created) expect(x.body.provider_ids).toEqual(x.body.service_id === first ? [expect.any(Number), c] : [c, a]);
    for (const x of answers.filter((y) => y.status === 409)) expect(x.body).toEqual({ error: SLOT_TAKEN, code: 'SLOT_UNAVAILABLE', details: { pool: expect.any(Number) } });
    await expectStoredAsAnswered(created, [a, b, c]);
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);
  });

  it('lets crossing services and moves of their bookings race on overlapping spans without a deadlock or an overlap', async () => {
    const [a, b, c] = [await provider(), await provider(), await provider()];
    const first = await service([[a, b], [c]], 'UTC', 10);
    const second = await service([[c], [a]], 'UTC', 10);
    const date = '2027-12-17';
    const seeded: ApiResponse[] = [];
    for (const [i, time] of ['08:00', '08:30', '09:00'].entries()) seeded.push(await api(on(i), 'POST', '/api/v1/bookings', { service_id: i % 2 ? second : first, date, time }));
    expect(seeded.map((s) => s.status)).toEqual([201, 201, 201]);

    // Starts every 10 minutes from 11:00, 30 minutes long: neighbours overlap. The seeded bookings move into the same hour.
    const requests: Promise<ApiResponse>[] = [];
    for (let i = 0; i < 36; i++) {
      const minute = 11 * 60 + (i % 6) * 10;
      const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
      requests.push(api(on(i), 'POST', '/api/v1/bookings', { service_id: i % 2 ? first : second, date, time }));
    }
    seeded.forEach((s, i) => requests.push(api(on(i + 1), 'PATCH', `/api/v1/bookings/${s.body.id}`, { time: ['11:00', '11:20', '11:40'][i] })));
    const answers = await Promise.all(requests);

    for (const x of answers) expect([200, 201, 409]).toContain(x.status);
    expect(answers.filter((x) => x.status < 300).length).toBeGreaterThanOrEqual(1);
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);
    // What each booking holds is what it says it holds.
    const bookings = await queryDatabase<{ id: number }>(databaseUrl, `select id from bookings where date = '${date}' and status = 'active'`);
    const views = await Promise.all(bookings.map((row) => api(on(0), 'GET', `/api/v1/bookings/${row.id}`)));
    await expectStoredAsAnswered(views, [a, b, c]);
  });

  it('lets a booking of provider A and a booking of a service needing A race for one span: one wins', async () => {
    const [a, d] = [await provider(), await provider()];
    const needsA = await service([[a], [d]]);
    const times = ['13:00', '13:30', '14:00', '14:30', '15:00', '15:30'];
    const requests: Promise<ApiResponse>[] = [];
    times.forEach((time, i) => {
      for (let k = 0; k < 4; k++) {
        const body = k % 2 ? { provider_id: a, date: '2027-12-18', time } : { service_id: needsA, date: '2027-12-18', time };
        requests.push(api(on(i + k), 'POST', '/api/v1/bookings', body));
      }
    });
    const answers = await Promise.all(requests);

    for (const x of answers) expect([201, 409]).toContain(x.status);
    const created = answers.filter((x) => x.status === 201);
    expect(created.map((x) => x.body.time).sort()).toEqual(times.map((t) => `${t}:00`));
    for (const x of answers.filter((y) => y.status === 409)) {
      expect(x.body.code).toBe('SLOT_UNAVAILABLE');
      // The seed form names the booking in the way; the service form names the pool.
      if (x.body.details?.pool === undefined) expect(created.map((y) => y.body.id)).toContain(x.body.details.conflicting_booking_id);
      else expect(x.body.details).toEqual({ pool: 0 });
    }
    await expectStoredAsAnswered(created, [a, d]);
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);
  });
});
