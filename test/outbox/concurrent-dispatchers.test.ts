import { sql } from 'kysely';
import { TestApp } from '../support/http-harness';
import { createOutboxApp, makeBooking, makeProvider, makeWebhook, Receiver, verifySignature } from './support';

const ALLOW_PRIVATE = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };

// On SQLite one dispatcher suffices: the single write lock serialises claims. (Two instances in one process
// would also block each other inside better-sqlite3's synchronous busy wait.) Several instances share Postgres.
describe.each(['postgres'] as const)('two service instances dispatching from one %s database', (dialect) => {
  let first: TestApp & { databaseUrl: string };
  let second: TestApp & { databaseUrl: string };
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await new Receiver().start();
    // Small batches so that the two instances claim side by side many times.
    const service = { dispatcher: { batchSize: 3, random: () => 0.5 } };
    first = await createOutboxApp({ dialect, env: ALLOW_PRIVATE, service });
    second = await createOutboxApp({ dialect, env: ALLOW_PRIVATE, service, databaseUrl: first.databaseUrl, clock: first.clock });
  });
  afterEach(async () => {
    await second.close();
    await first.close();
    await receiver.stop();
  });

  it('delivers each item exactly once', async () => {
    const webhook = await makeWebhook(first, receiver.url);
    const provider = await makeProvider(first);
    const count = 40;
    for (let i = 0; i < count; i += 1) {
      const instance = i % 2 === 0 ? first : second;
      await makeBooking(instance, { provider_id: provider.id, date: '2027-12-25', time: `${String(2 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, customer_email: `c${i}@example.com` });
    }

    // Several passes on each instance at once: every pass claims on its own.
    const passes = await Promise.all([first, second, first, second, first, second].map((x) => x.service.dispatcher.runOnce()));
    // One webhook item, one provider email and one customer email per booking, each enqueued once.
    expect(passes.reduce((sum, p) => sum + p.enqueued, 0)).toBe(3 * count);
    expect(passes.reduce((sum, p) => sum + p.attempted, 0)).toBe(3 * count);

    const ids = receiver.eventIds();
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    for (const got of receiver.received) expect(verifySignature(webhook.secret, got.signature, got.body).valid).toBe(true);

    const db = first.service.database.db;
    const items = await sql<{ n: number | string }>`select count(*) as n from outbox`.execute(db);
    const attempts = await sql<{ n: number | string; items: number | string }>`select count(*) as n, count(distinct outbox_id) as items from outbox_attempts`.execute(db);
    const delivered = await sql<{ n: number | string }>`select count(*) as n from outbox where status = 'delivered'`.execute(db);
    expect(Number(items.rows[0].n)).toBe(3 * count);
    expect(Number(delivered.rows[0].n)).toBe(3 * count);
    expect(Number(attempts.rows[0].n)).toBe(3 * count);
    expect(Number(attempts.rows[0].items)).toBe(3 * count);
  });
});
