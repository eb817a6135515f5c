import { readView } from '../http/helpers';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { api, ApiResponse, OVERLAPPING_ACTIVE_BOOKINGS, queryDatabase, ServerProcess, startServers } from './support/server-process';

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

describe.each(DIALECTS)('two server processes on one %s database', (dialect) => {
  let databaseUrl: string;
  let servers: ServerProcess[];
  let providerId: number;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(dialect);
    // Both start at once on the empty database: migrations and the first admin key must cope with the race.
    servers = await startServers(databaseUrl, 2);
    const provider = await api(servers[0].url, 'POST', '/api/v1/providers', { name: 'Shared', email: 'shared@example.com' });
    expect(provider.status).toBe(201);
    providerId = provider.body.id;
  });
  afterAll(async () => {
    const ends = await Promise.all((servers ?? []).map((s) => s.stop()));
    expect(ends).toEqual((servers ?? []).map(() => 0));
  });

  const on = (i: number) => servers[i % servers.length].url;

  it('gives one slot to exactly one of 60 simultaneous requests split across both processes', async () => {
    const body = { provider_id: providerId, date: '2027-12-25', time: '14:30' };
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => api(on(i), 'POST', '/api/v1/bookings', body)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(59).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('SLOT_UNAVAILABLE');
    const rows = await queryDatabase(databaseUrl, `select id from bookings where provider_id = ${providerId} and date = '2027-12-25'`);
    expect(rows).toHaveLength(1);
  });

  it('lets at most one of simultaneous reschedules and creates take one free slot, and nothing overlaps afterwards', async () => {
    const date = '2027-12-27';
    const originals: ApiResponse[] = [];
    for (let i = 0; i < 8; i++) {
      originals.push(await api(on(i), 'POST', '/api/v1/bookings', { provider_id: providerId, date, time: hhmm(8 * 60 + i * 30) }));
    }
    expect(originals.map((o) => o.status)).toEqual(Array(8).fill(201));

    // Everything below wants a span holding 15:00-15:15, so any two of them overlap, on both processes at once.
    const requests: Promise<ApiResponse>[] = [];
    originals.forEach((o, i) => {
      requests.push(api(on(i), 'PATCH', `/api/v1/bookings/${o.body.id}`, { time: i % 2 ? '15:00' : '14:45' }));
    });
    for (let i = 0; i < 8; i++) {
      requests.push(api(on(i + 1), 'POST', '/api/v1/bookings', { provider_id: providerId, date, time: i % 2 ? '14:50' : '15:00' }));
    }
    const answers = await Promise.all(requests);

    for (const a of answers) expect([200, 201, 409]).toContain(a.status);
    const winners = answers.filter((a) => a.status < 300);
    expect(winners).toHaveLength(1);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('SLOT_UNAVAILABLE');
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);

    // Every refused reschedule left its booking where it was.
    for (const [i, o] of originals.entries()) {
      const now = await api(on(0), 'GET', `/api/v1/bookings/${o.body.id}`);
      if (answers[i].status === 200) expect(now.body.time).toBe(answers[i].body.time);
      else expect(now.body).toEqual(readView(o.body));
    }
  });

  it('creates one booking for 20 simultaneous requests with one Idempotency-Key, whichever process they reach', async () => {
    const body = { provider_id: providerId, date: '2027-12-29', time: '11:00', customer_name: 'Retry' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api(on(i), 'POST', '/api/v1/bookings', body, { 'idempotency-key': 'checkout-42' })),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_KEY_IN_USE' } });
    }
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const a of created) expect(a.body).toEqual(created[0].body);
    const rows = await queryDatabase<{ id: number }>(databaseUrl, `select id from bookings where date = '2027-12-29'`);
    expect(rows.map((r) => Number(r.id))).toEqual([created[0].body.id]);

    // Once settled, every retry replays the same booking.
    const retry = await api(on(1), 'POST', '/api/v1/bookings', body, { 'idempotency-key': 'checkout-42' });
    expect(retry).toEqual({ status: 201, body: created[0].body });
  });

  it('feeds every event exactly once, in feed order, to a poller on each process while both write for six providers', async () => {
    const start = (await api(on(0), 'GET', '/api/v1/events?limit=500')).body;
    const from: number = start.data.length ? start.next_after : 0;
    expect(start.data.length).toBeLessThan(500);
    // Each writer books its own provider: on PostgreSQL their transactions run at once and may commit out of order.
    const providers: number[] = [];
    for (let w = 0; w < 6; w++) {
      const created = await api(on(w), 'POST', '/api/v1/providers', { name: `Writer ${w}`, email: `writer-${w}@example.com` });
      expect(created.status).toBe(201);
      providers.push(created.body.id);
    }

    let writing = true;
    const poller = (instance: number) => {
      const seen: number[] = [];
      let after = from;
      const poll = async () => {
        const page = await api(on(instance), 'GET', `/api/v1/events?after=${after}&limit=5`);
        expect(page.status).toBe(200);
        for (const e of page.body.data) seen.push(e.id);
        after = page.body.next_after;
        return page.body.data.length as number;
      };
      const running = (async () => {
        while (writing) await poll();
        while ((await poll()) > 0);
      })();
      return { seen, running };
    };
    const pollers = [poller(0), poller(1)];

    const writer = async (w: number) => {
      for (let round = 0; round < 5; round++) {
        const server = on(w + round);
        const created = await api(server, 'POST', '/api/v1/bookings', { provider_id: providers[w], date: '2028-01-10', time: hhmm(round * 60) });
        expect(created.status).toBe(201);
        expect((await api(on(w + round + 1), 'PATCH', `/api/v1/bookings/${created.body.id}`, { notes: `round ${round}` })).status).toBe(200);
        expect((await api(server, 'PATCH', `/api/v1/bookings/${created.body.id}`, { time: hhmm(round * 60 + 30) })).status).toBe(200);
        if (round % 2) expect((await api(on(w + round + 1), 'DELETE', `/api/v1/bookings/${created.body.id}`)).status).toBe(204);
      }
    };
    try {
      await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    } finally {
      writing = false;
      await Promise.all(pollers.map((p) => p.running));
    }

    const stored = await queryDatabase<{ position: number }>(databaseUrl, `select position from booking_events where position > ${from} order by position`);
    expect(stored).toHaveLength(6 * (5 * 3 + 2));
    // Every committed event, once, in position order, to each poller, whichever process it asked.
    for (const { seen } of pollers) expect(seen).toEqual(stored.map((r) => Number(r.position)));
  });
});
