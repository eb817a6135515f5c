import { Receiver } from '../outbox/support';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { TEST_ADMIN_KEY } from '../support/http-harness';
import { api, OVERLAPPING_ACTIVE_BOOKINGS, queryDatabase, ServerProcess, startServers } from './support/server-process';

/** Requests of the run, two per slot, so that the database must refuse half of them. */
const REQUESTS = 80;
const WORKERS = 8;
/** A killed process's idempotency claims are taken over after 60 s and its outbox leases end after 60 s: wait past both. */
const SETTLE_MS = 150_000;

interface Answer {
  status: number;
  body: any;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One booking request as a client sends it; null when no answer came (the process died, or refused the connection). */
async function send(base: string, n: number, providerId: number): Promise<Answer | null> {
  const slot = Math.floor(n / 2);
  const minute = 8 * 60 + (slot % 20) * 30;
  try {
    const res = await fetch(`${base}/api/v1/bookings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', 'idempotency-key': `fault-${n}` },
      body: JSON.stringify({
        provider_id: providerId,
        date: `2027-09-${String(1 + Math.floor(slot / 20)).padStart(2, '0')}`,
        time: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`,
        duration_minutes: 30,
        customer_name: `request-${n}`,
      }),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.json() };
  } catch {
    return null;
  }
}

/**
 * Two server processes on one database take concurrent idempotent bookings; one is killed with SIGKILL midway, and
 * every request that got no answer is sent again to the survivor, as a client with a retry policy would.
 */
describe.each(DIALECTS)('a server process killed mid-way while another keeps serving, on %s', (dialect) => {
  let databaseUrl: string;
  let servers: ServerProcess[];
  let receiver: Receiver;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl(dialect);
    receiver = await new Receiver().start();
    servers = await startServers(databaseUrl, 2, { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  }, 120_000);
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
    await receiver?.stop();
  });

  it('loses no acknowledged booking, duplicates none, replays retries, overlaps nothing and delivers every event', async () => {
    const [victim, survivor] = servers;
    const provider = await api(survivor.url, 'POST', '/api/v1/providers', { name: 'Faulty', email: 'faulty@example.com' });
    const webhook = await api(survivor.url, 'POST', '/api/v1/webhooks', { url: receiver.url, events: ['booking.created'] });
    expect([provider.status, webhook.status]).toEqual([201, 201]);
    const providerId: number = provider.body.id;

    const first = new Map<number, Answer | null>();
    let queue = 0;
    let killed = false;
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      for (let n = queue++; n < REQUESTS; n = queue++) {
        first.set(n, await send((n + w) % 2 === 0 ? victim.url : survivor.url, n, providerId));
        if (!killed && [...first.values()].filter((a) => a?.status === 201).length >= 12) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    });
    await Promise.all(workers);
    expect(await victim.exited).toBe('SIGKILL');
    const unanswered = [...first].filter(([, a]) => a === null).map(([n]) => n);
    expect(unanswered.length).toBeGreaterThan(0);

    // Retry what got no answer until it gets one that is final, and send every answered request once more.
    const deadline = Date.now() + SETTLE_MS;
    const final = new Map<number, Answer>();
    await Promise.all(
      Array.from({ length: REQUESTS }, async (_, n) => {
        for (;;) {
          const answer = await send(survivor.url, n, providerId);
          const settled = answer !== null && !(answer.status === 409 && answer.body.code === 'IDEMPOTENCY_KEY_IN_USE');
          if (settled || Date.now() > deadline) return final.set(n, answer ?? { status: 0, body: 'no answer' });
          await sleep(1_000);
        }
      }),
    );

    for (let n = 0; n < REQUESTS; n++) {
      const answer = final.get(n)!;
      if (answer.status === 409) expect([n, answer.body.code]).toEqual([n, 'SLOT_UNAVAILABLE']);
      else expect([n, answer.status]).toEqual([n, 201]);
      // An answer the client got first is what every retry replays.
      const seen = first.get(n);
      if (seen) expect([n, answer]).toEqual([n, seen]);
    }
    // Each slot went to exactly one of its two requests.
    for (let slot = 0; slot < REQUESTS / 2; slot++) {
      expect([slot, [final.get(2 * slot)!.status, final.get(2 * slot + 1)!.status].sort()]).toEqual([slot, [201, 409]]);
    }

    const rows = await queryDatabase<{ id: number; customer_name: string }>(
      databaseUrl,
      `select id, customer_name from bookings where provider_id = ${providerId} order by id`,
    );
    const acknowledged = [...final].filter(([, a]) => a.status === 201);
    expect(rows.map((r) => [r.customer_name, Number(r.id)]).sort()).toEqual(acknowledged.map(([n, a]) => [`request-${n}`, a.body.id]).sort());
    expect(await queryDatabase(databaseUrl, OVERLAPPING_ACTIVE_BOOKINGS)).toEqual([]);

    // Every event reaches the webhook at least once: the victim's leased deliveries are taken over by the survivor.
    // An event's id is its feed position: on PostgreSQL given after commit, so it need not be the row's id (a write
    // killed mid-way leaves a gap in the row ids, none in the positions).
    const eventIds = async () =>
      (await queryDatabase<{ position: number | null }>(databaseUrl, `select position from booking_events order by id`)).map((r) =>
        r.position === null ? null : Number(r.position),
      );
    const undelivered = (ids: (number | null)[]) => ids.filter((id) => id === null || !receiver.eventIds().includes(id));
    let events = await eventIds();
    expect(events).toHaveLength(REQUESTS / 2);
    while (undelivered(events).length > 0 && Date.now() < deadline) {
      await sleep(500);
      events = await eventIds();
    }
    expect(undelivered(events)).toEqual([]);

    if (dialect === 'sqlite') {
      expect(await queryDatabase(databaseUrl, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    }
    expect((await api(survivor.url, 'GET', `/api/v1/bookings?provider_id=${providerId}&limit=1`)).status).toBe(200);
  }, SETTLE_MS + 60_000);
});
