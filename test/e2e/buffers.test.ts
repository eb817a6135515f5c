import { freshDatabaseUrl } from '../support/databases';
import { api, ApiResponse, queryDatabase, ServerProcess, startServers } from './support/server-process';

/**
 * Two server processes on one Postgres database, flooded at once with bookings and reschedules into slots that
 * conflict only through the buffers: never are two accepted whose buffer-widened spans overlap.
 */

const BEFORE = 20;
const AFTER = 25;
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Pairs of active bookings of one provider whose spans widened by the buffers overlap: must always be empty. */
const overlappingWidened = (providerId: number) => `
  select a.id as a, b.id as b from bookings a join bookings b
    on a.provider_id = b.provider_id and a.id < b.id
   and a.status = 'active' and b.status = 'active'
   and a.starts_at - ${BEFORE * 60_000} < b.ends_at + ${AFTER * 60_000}
   and b.starts_at - ${BEFORE * 60_000} < a.ends_at + ${AFTER * 60_000}
  where a.provider_id = ${providerId}`;

describe('buffers across two server processes on one Postgres database', () => {
  let databaseUrl: string;
  let servers: ServerProcess[];
  let providerId: number;
  // A date a month from the real today: the servers judge with the system clock.
  const date = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const on = (i: number) => servers[i % servers.length].url;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl('postgres');
    servers = await startServers(databaseUrl, 2);
    const provider = await api(servers[0].url, 'POST', '/api/v1/providers', { name: 'Buffered', email: 'buffered@example.com', default_duration_minutes: 30 });
    expect(provider.status).toBe(201);
    providerId = provider.body.id;
    const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]);
    const schedule = await api(servers[1].url, 'PUT', `/api/v1/providers/${providerId}/schedule`, {
      weekly: Object.fromEntries(everyDay),
      buffer_before_minutes: BEFORE,
      buffer_after_minutes: AFTER,
      max_days_ahead: 3650,
    });
    expect(schedule.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    const ends = await Promise.all((servers ?? []).map((s) => s.stop()));
    expect(ends).toEqual((servers ?? []).map(() => 0));
  });

  it('simultaneous bookings 5 minutes apart: the accepted ones keep a 45-minute gap, everything else is 409', async () => {
    // 30-minute bookings starting every 5 minutes from 09:00 to 13:00, twice each, split across both processes.
    const times = Array.from({ length: 49 }, (_, i) => 9 * 60 + i * 5);
    const requests = [...times, ...times].map((minute, i) =>
      api(on(i), 'POST', '/api/v1/bookings', { provider_id: providerId, date, time: hhmm(minute) }),
    );
    const answers = await Promise.all(requests);

    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].filter((s) => s !== 201 && s !== 409)).toEqual([]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('SLOT_UNAVAILABLE');
    const accepted = answers.filter((a) => a.status === 201);
    // Starts 75 minutes apart at least: no more than 4 fit between 09:00 and 13:00, and one blocks 149 minutes at most.
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(accepted.length).toBeLessThanOrEqual(4);

    const starts = accepted.map((a) => Date.parse(a.body.starts_at)).sort((x, y) => x - y);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual((30 + BEFORE + AFTER) * 60_000);

    expect(await queryDatabase(databaseUrl, overlappingWidened(providerId))).toEqual([]);
    const stored = await queryDatabase<{ id: number }>(databaseUrl, `select id from bookings where provider_id = ${providerId} and status = 'active'`);
    expect(stored.map((r) => Number(r.id)).sort((x, y) => x - y)).toEqual(accepted.map((a) => a.body.id).sort((x: number, y: number) => x - y));
  }, 120_000);

  it('simultaneous reschedules and new bookings into each other’s buffers never leave two widened spans overlapping', async () => {
    const day = new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10);
    // Bookings two hours apart, then everybody moves at once to times 10 to 40 minutes apart, and newcomers join.
    const originals: ApiResponse[] = [];
    for (let i = 0; i < 6; i++) {
      originals.push(await api(on(i), 'POST', '/api/v1/bookings', { provider_id: providerId, date: day, time: hhmm(6 * 60 + i * 120) }));
    }
    expect(originals.map((o) => o.status)).toEqual(Array(6).fill(201));

    const requests: Promise<ApiResponse>[] = [];
    originals.forEach((o, i) => {
      requests.push(api(on(i), 'PATCH', `/api/v1/bookings/${o.body.id}`, { time: hhmm(14 * 60 + i * 25) }));
    });
    for (let i = 0; i < 12; i++) {
      requests.push(api(on(i + 1), 'POST', '/api/v1/bookings', { provider_id: providerId, date: day, time: hhmm(14 * 60 + 10 + i * 10) }));
    }
    const answers = await Promise.all(requests);

    for (const a of answers) expect([200, 201, 409]).toContain(a.status);
    expect(answers.filter((a) => a.status === 409).length).toBeGreaterThan(0);
    expect(await queryDatabase(databaseUrl, overlappingWidened(providerId))).toEqual([]);

    // A refused reschedule left its booking where it was.
    for (const [i, o] of originals.entries()) {
      const current = await api(on(0), 'GET', `/api/v1/bookings/${o.body.id}`);
      expect(current.body.time).toBe(answers[i].status === 200 ? answers[i].body.time : o.body.time);
    }
  }, 120_000);
});
