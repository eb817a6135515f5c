import { DialectName, freshDatabaseUrl } from '../support/databases';
import { occupancyProblems, occupyingSpans, peakOverlap, Query, storedPeak } from '../support/occupancy-sweep';
import { api, ApiResponse, queryDatabase, ServerProcess, startServers } from './support/server-process';

/**
 * Capacity, holds and approval under simultaneous requests against real server processes: whatever arrives at once,
 * no instant ever holds more than the capacity of occupying bookings and live holds, and every refusal was due.
 */

const SETUPS: { name: string; dialect: DialectName; processes: number }[] = [
  { name: 'one process on SQLite', dialect: 'sqlite', processes: 1 },
  { name: 'one process on PostgreSQL', dialect: 'postgres', processes: 1 },
  { name: 'two processes on one PostgreSQL', dialect: 'postgres', processes: 2 },
];

const SEED_409 = { error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE' };
const MINUTE = 60_000;
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** A small seeded generator (mulberry32), so that a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let emails = 0;

describe.each(SETUPS)('capacity races: $name', ({ dialect, processes }) => {
  let databaseUrl: string;
  let servers: ServerProcess[];
  let query: Query;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(dialect);
    servers = await startServers(databaseUrl, processes);
    query = (text) => queryDatabase(databaseUrl, text);
  }, 120_000);
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
  });

  /** Requests spread over the processes in turn. */
  const on = (i: number) => servers[i % servers.length].url;
  const provider = async (fields: Record<string, unknown> = {}) => {
    const res = await api(on(0), 'POST', '/api/v1/providers', { name: 'Room', email: `room${++emails}-${dialect}${processes}@example.com`, ...fields });
    expect(res.status).toBe(201);
    return res.body as { id: number; capacity: number };
  };
  const service = async (fields: Record<string, unknown>) => {
    const res = await api(on(0), 'POST', '/api/v1/services', { name: 'Class', ...fields });
    expect(res.status).toBe(201);
    return res.body as { id: number };
  };
  const expectHealthy = async (providerId: number, capacity: number) => {
    expect(await occupancyProblems(query, providerId, capacity, Date.now())).toEqual([]);
    expect(await storedPeak(query, providerId, Date.now())).toBeLessThanOrEqual(capacity);
  };

  it('gives exactly three of 50 simultaneous bookings of one slot with capacity 3', async () => {
    const p = await provider({ capacity: 3 });
    const body = { provider_id: p.id, date: '2027-12-25', time: '14:30' };
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => api(on(i), 'POST', '/api/v1/bookings', body)));
    const winners = answers.filter((a) => a.status === 201).map((a) => a.body.id as number);
    expect(winners).toHaveLength(3);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(409);
      expect(a.body).toEqual({ ...SEED_409, details: { conflicting_booking_id: expect.any(Number) } });
      expect(winners).toContain(a.body.details.conflicting_booking_id);
    }
    const rows = await query(`select id from bookings where provider_id = ${p.id}`);
    expect(rows.map((r) => Number(r.id)).sort()).toEqual([...winners].sort());
    const events = await query(`select count(*) as n from booking_events where provider_id = ${p.id}`);
    expect(Number(events[0].n)).toBe(3);
    await expectHealthy(p.id, 3);
  });

  it('never lets 50 overlapping bookings of random starts and lengths exceed the capacity, and refuses only what was full', async () => {
    const seed = Date.now() % 1_000_000;
    const next = random(seed);
    const p = await provider({ capacity: 3 });
    const requests = Array.from({ length: 50 }, () => ({
      start: 9 * 60 + Math.floor(next() * 48) * 5,
      duration: 15 + Math.floor(next() * 22) * 5,
    }));
    const answers = await Promise.all(
      requests.map((r, i) => api(on(i), 'POST', '/api/v1/bookings', { provider_id: p.id, date: '2027-12-26', time: hhmm(r.start), duration_minutes: r.duration })),
    );
    const day = Date.parse('2027-12-26T00:00:00Z');
    const spans = await occupyingSpans(query, p.id, Date.now());
    const context = `seed ${seed}`;
    expect({ context, statuses: answers.filter((a) => ![201, 409].includes(a.status)) }).toEqual({ context, statuses: [] });
    expect({ context, stored: spans.length }).toEqual({ context, stored: answers.filter((a) => a.status === 201).length });
    expect({ context, peak: peakOverlap(spans) }).toEqual({ context, peak: expect.any(Number) });
    expect(peakOverlap(spans)).toBeLessThanOrEqual(3);
    // Bookings were only ever added: a refused span was full then, so it is full in what was stored.
    requests.forEach((r, i) => {
      if (answers[i].status !== 409) return;
      const from = day + r.start * MINUTE;
      const to = from + r.duration * MINUTE;
      const within = spans.filter((s) => s.start < to && s.end > from).map((s) => ({ start: Math.max(s.start, from), end: Math.min(s.end, to) }));
      expect({ context, request: r, peak: peakOverlap(within) }).toEqual({ context, request: r, peak: 3 });
    });
    await expectHealthy(p.id, 3);
  });

  it('reassigns lanes for exactly one of simultaneous bookings that fit only by moving others', async () => {
    const p = await provider({ capacity: 2 });
    const at = (time: string, duration: number) => ({ provider_id: p.id, date: '2027-12-31', time, duration_minutes: duration });
    // 09:00-10:00 on lane 1 and 10:30-11:30 on lane 2 (the booking beside it on lane 1 is cancelled): 09:30-11:00
    // overlaps one of them at a time, yet neither lane is free across it.
    expect((await api(on(0), 'POST', '/api/v1/bookings', at('09:00', 60))).status).toBe(201);
    const beside = await api(on(0), 'POST', '/api/v1/bookings', at('10:30', 60));
    expect((await api(on(0), 'POST', '/api/v1/bookings', at('10:30', 60))).status).toBe(201);
    expect((await api(on(0), 'DELETE', `/api/v1/bookings/${beside.body.id}`)).status).toBe(204);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api(on(i), 'POST', '/api/v1/bookings', at(i % 2 ? '09:30' : '09:45', i % 2 ? 90 : 60))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect({ status: a.status, code: a.body.code }).toEqual({ status: 409, code: 'SLOT_UNAVAILABLE' });
    await expectHealthy(p.id, 2);
  });

  it('counts holds, pending bookings and active ones alike when they race for one slot', async () => {
    const p = await provider({ capacity: 3 });
    const plain = await service({ duration_minutes: 60, pools: [[p.id]] });
    const approval = await service({ duration_minutes: 60, pools: [[p.id]], requires_confirmation: true });
    const slot = { date: '2027-12-27', time: '10:00' };
    const kinds = ['hold', 'pending', 'active', 'service'] as const;
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const kind = kinds[i % kinds.length];
        if (kind === 'hold') return api(on(i), 'POST', '/api/v1/holds', { provider_id: p.id, ...slot, duration_minutes: 60 });
        if (kind === 'pending') return api(on(i), 'POST', '/api/v1/bookings', { service_id: approval.id, ...slot });
        if (kind === 'service') return api(on(i), 'POST', '/api/v1/bookings', { service_id: plain.id, ...slot });
        return api(on(i), 'POST', '/api/v1/bookings', { provider_id: p.id, ...slot, duration_minutes: 60 });
      }),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    for (const a of answers.filter((x) => x.status !== 201)) expect({ status: a.status, code: a.body.code }).toEqual({ status: 409, code: 'SLOT_UNAVAILABLE' });
    const spans = await occupyingSpans(query, p.id, Date.now());
    expect(spans).toHaveLength(3);
    await expectHealthy(p.id, 3);
  });

  it('never leaves more than the capacity at once when lowering it races with bookings', async () => {
    const seed = Date.now() % 1_000_000;
    const next = random(seed);
    const p = await provider({ capacity: 5 });
    const requests: Promise<ApiResponse>[] = [];
    const lowerings: Promise<ApiResponse>[] = [];
    for (let i = 0; i < 48; i++) {
      // Spread over the day, so that lowerings sometimes fit while bookings land.
      const start = 9 * 60 + Math.floor(next() * 144) * 5;
      requests.push(api(on(i), 'POST', '/api/v1/bookings', { provider_id: p.id, date: '2027-12-28', time: hhmm(start), duration_minutes: 20 + Math.floor(next() * 7) * 5 }));
      if (i % 8 === 4) lowerings.push(api(on(i + 1), 'PATCH', `/api/v1/providers/${p.id}`, { capacity: 4 - Math.floor(i / 16) }));
    }
    const answers = await Promise.all(requests);
    const changes = await Promise.all(lowerings);
    for (const a of answers) expect([201, 409]).toContain(a.status);
    for (const c of changes) {
      expect([200, 409]).toContain(c.status);
      if (c.status === 409) expect(c.body.code).toBe('CAPACITY_IN_USE');
    }
    const final = (await api(on(0), 'GET', `/api/v1/providers/${p.id}`)).body.capacity as number;
    expect({ seed, peak: (await storedPeak(query, p.id, Date.now())) <= final }).toEqual({ seed, peak: true });
    await expectHealthy(p.id, final);
    // Whatever capacity won, what is stored fits it, and a lowering to what is held now is refused.
    const held = await storedPeak(query, p.id, Date.now());
    if (held > 1) {
      const refused = await api(on(1), 'PATCH', `/api/v1/providers/${p.id}`, { capacity: held - 1 });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('CAPACITY_IN_USE');
    }
  });

  it('lets one decision win when confirmations and declines of one pending booking arrive at once', async () => {
    const p = await provider();
    const approval = await service({ duration_minutes: 30, pools: [[p.id]], requires_confirmation: true });
    const pending = await api(on(0), 'POST', '/api/v1/bookings', { service_id: approval.id, date: '2027-12-29', time: '14:00' });
    expect(pending.body.status).toBe('pending');
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => api(on(i), 'POST', `/api/v1/bookings/${pending.body.id}/${i % 2 ? 'decline' : 'confirm'}`)),
    );
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect({ status: a.status, code: a.body.code }).toEqual({ status: 409, code: 'BOOKING_NOT_PENDING' });
    const [row] = await query(`select status, version from bookings where id = ${pending.body.id}`);
    expect({ status: row.status, version: Number(row.version) }).toEqual({ status: won[0].body.status, version: 2 });
    const events = await query(`select type from booking_events where booking_id = ${pending.body.id} order by id`);
    expect(events.map((e) => e.type)).toEqual(['booking.created', won[0].body.status === 'active' ? 'booking.confirmed' : 'booking.declined']);
    await expectHealthy(p.id, 1);
  });

  it('turns one hold into one booking when many conversions of it arrive at once', async () => {
    const p = await provider({ capacity: 2 });
    const held = await api(on(0), 'POST', '/api/v1/holds', { provider_id: p.id, date: '2027-12-29', time: '10:00' });
    expect(held.status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api(on(i), 'POST', '/api/v1/bookings', { hold_id: held.body.id, notes: `try ${i}` })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect({ status: a.status, code: a.body.code }).toEqual({ status: 409, code: 'HOLD_EXPIRED' });
    const rows = await query(`select id from bookings where provider_id = ${p.id}`);
    expect(rows.map((r) => Number(r.id))).toEqual([answers.find((a) => a.status === 201)!.body.id]);
    await expectHealthy(p.id, 2);
  });
});

describe('holds expire by time alone, end to end (two processes on one PostgreSQL, ttl_seconds 30, a real wait)', () => {
  let databaseUrl: string;
  let servers: ServerProcess[];
  let query: Query;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl('postgres');
    servers = await startServers(databaseUrl, 2);
    query = (text) => queryDatabase(databaseUrl, text);
  }, 120_000);
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
  });

  const sleepUntil = async (instant: number) => {
    const ms = instant - Date.now();
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  };

  it('frees the span at expires_at for the next request, and a conversion racing the expiry gives a booking or 409 HOLD_EXPIRED, never both or neither', async () => {
    const [a, b] = servers.map((s) => s.url);
    const ids: number[] = [];
    for (let i = 0; i < 13; i++) {
      const res = await api(a, 'POST', '/api/v1/providers', { name: `Seat ${i}`, email: `seat${i}@example.com` });
      ids.push(res.body.id);
    }
    const slot = { date: '2027-12-30', time: '10:00', duration_minutes: 30 };
    // One hold to watch expire, and twelve whose conversion races a booking of the same span around expires_at.
    const holds = [];
    for (const id of ids) {
      const res = await api(a, 'POST', '/api/v1/holds', { provider_id: id, ...slot, ttl_seconds: 30 });
      expect(res.status).toBe(201);
      holds.push(res.body as { id: number; provider_id: number; expires_at: string; starts_at: string; ends_at: string });
    }
    const [watched, ...racing] = holds;
    const expiresAt = Math.max(...holds.map((h) => Date.parse(h.expires_at)));
    expect(Date.parse(watched.expires_at) - Date.now()).toBeGreaterThan(20_000);

    // Before expiry the held span is taken on the other process too.
    const early = await api(b, 'POST', '/api/v1/bookings', { provider_id: watched.provider_id, ...slot });
    expect(early.body).toEqual(SEED_409);

    // Each conversion and its rival leave together, from well before to well after the hold's expires_at.
    const OFFSETS = [-1500, -800, -300, -120, -60, -20, 0, 20, 60, 120, 300, 1500];
    const race = racing.map(async (h, i) => {
      await sleepUntil(Date.parse(h.expires_at) + OFFSETS[i]);
      return Promise.all([
        api(a, 'POST', '/api/v1/bookings', { hold_id: h.id, notes: `conversion ${h.id}` }),
        api(b, 'POST', '/api/v1/bookings', { provider_id: h.provider_id, ...slot, notes: `rival ${h.id}` }),
      ]);
    });
    const outcomes = await Promise.all(race);

    await sleepUntil(expiresAt + 50);
    const gone = await api(b, 'GET', `/api/v1/holds/${watched.id}`);
    expect({ status: gone.status, code: gone.body.code }).toEqual({ status: 404, code: 'HOLD_NOT_FOUND' });
    const next = await api(b, 'POST', '/api/v1/bookings', { provider_id: watched.provider_id, ...slot });
    expect(next.status).toBe(201);
    expect((await api(a, 'POST', '/api/v1/bookings', { hold_id: watched.id })).body.code).toBe('HOLD_EXPIRED');

    let converted = 0;
    for (const [i, [conversion, rival]] of outcomes.entries()) {
      const h = racing[i];
      expect({ hold: h.id, conversion: conversion.status, code: conversion.body.code }).toEqual(
        conversion.status === 201 ? { hold: h.id, conversion: 201, code: undefined } : { hold: h.id, conversion: 409, code: 'HOLD_EXPIRED' },
      );
      expect([201, 409]).toContain(rival.status);
      const made = await query(`select id, status, starts_at, ends_at from bookings where notes = 'conversion ${h.id}'`);
      if (conversion.status === 201) {
        converted++;
        expect(made.map((r) => Number(r.id))).toEqual([conversion.body.id]);
        expect({ starts_at: conversion.body.starts_at, ends_at: conversion.body.ends_at }).toEqual({ starts_at: h.starts_at, ends_at: h.ends_at });
        expect(rival.status).toBe(409);
      } else {
        expect(rival.status === 201 || OFFSETS[i] <= 0).toBe(true);
        expect(made).toEqual([]);
      }
      expect(await occupancyProblems(query, h.provider_id, 1, Date.now())).toEqual([]);
      expect(await storedPeak(query, h.provider_id, Date.now())).toBeLessThanOrEqual(1);
    }
    // Conversions sent well before expiry win, ones sent after it lose: the race really straddled the instant.
    expect(outcomes[0][0].status).toBe(201);
    expect(outcomes[outcomes.length - 1][0].status).toBe(409);
    expect(converted).toBeGreaterThan(0);
  }, 120_000);
});
