import { KyselyOutbox } from '../../src/adapters/persistence/kysely-outbox';
import { KyselyUnitOfWork } from '../../src/adapters/persistence/kysely-unit-of-work';
import { aBooking, anEvent, storeBooking } from '../support/builders';
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, Json, makeBooking, makeProvider, makeWebhook, Receiver, verifySignature } from './support';

const ALLOW_PRIVATE = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };
const HOUR = 3_600_000;

describe.each(DIALECTS)('webhook delivery through the outbox on %s', (dialect) => {
  let t: TestApp & { databaseUrl: string };
  let receiver: Receiver;

  beforeEach(async () => {
    t = await createOutboxApp({ dialect, env: ALLOW_PRIVATE });
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
    await t.close();
  });

  it('posts each event once, signed with the secret, with the event as body', async () => {
    const webhook = await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    const booking = await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '14:30', customer_name: 'Grace' });
    expect((await api(t, 'PATCH', `/api/v1/bookings/${booking.id}`, { time: '15:00' })).statusCode).toBe(200);
    expect((await api(t, 'DELETE', `/api/v1/bookings/${booking.id}`)).statusCode).toBe(204);

    const summary = await t.service.dispatcher.runOnce();
    expect(summary).toMatchObject({ attempted: summary.delivered, retrying: 0, failed: 0 });

    const feed = (await api(t, 'GET', '/api/v1/events')).json().data as Json[];
    expect(feed.map((e) => e.type)).toEqual(['booking.created', 'booking.rescheduled', 'booking.cancelled']);
    // Sends run side by side, so arrival order is not promised: the event id orders them.
    const received = [...receiver.received].sort((a, b) => Number(a.eventId) - Number(b.eventId));
    expect(received.map((r) => r.json.type)).toEqual(['booking.created', 'booking.rescheduled', 'booking.cancelled']);
    for (const [i, got] of received.entries()) {
      const signature = verifySignature(webhook.secret, got.signature, got.body);
      expect(signature).toEqual({ valid: true, t: Math.floor(t.clock.now() / 1000) });
      expect(verifySignature('whsec_another-secret-entirely', got.signature, got.body).valid).toBe(false);
      expect(got.eventId).toBe(String(feed[i].id));
      expect(got.json).toEqual({ id: feed[i].id, type: feed[i].type, at: feed[i].at, booking: feed[i].booking, changes: feed[i].changes });
    }
    expect(received[2].json.booking).toMatchObject({ id: booking.id, status: 'cancelled', time: '15:00:00' });

    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(3);
    const deliveries = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json().data as Json[];
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) expect(d).toMatchObject({ attempt: 1, status_code: 200, error: null, next_attempt_at: null });
    expect(deliveries.map((d) => d.event_id).sort()).toEqual(feed.map((e) => e.id).sort());
  });

  it('sends only the event types a webhook asked for, and only events committed after it was registered', async () => {
    const provider = await makeProvider(t);
    const before = await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '09:00' });
    await makeWebhook(t, receiver.url, ['booking.cancelled']);
    const after = await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '10:00' });
    await api(t, 'DELETE', `/api/v1/bookings/${after.id}`);
    await t.service.dispatcher.runOnce();
    expect(receiver.received.map((r) => [r.json.type, r.json.booking.id])).toEqual([['booking.cancelled', after.id]]);
    expect(before.id).not.toBe(after.id);
  });

  it('retries with backoff while the receiver is down and delivers everything once it is back', async () => {
    const webhook = await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(1);

    const port = receiver.port;
    await receiver.stop();
    const second = await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00' });
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '11:00' });
    await api(t, 'DELETE', `/api/v1/bookings/${second.id}`);

    // Three webhook items fail; the three emails to the provider (to the log here) go through.
    const down = await t.service.dispatcher.runOnce();
    expect(down).toMatchObject({ attempted: 6, delivered: 3, retrying: 3 });
    let deliveries = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json().data as Json[];
    const failed = deliveries.filter((d) => d.status_code === null);
    expect(failed).toHaveLength(3);
    for (const d of failed) {
      expect(d.attempt).toBe(1);
      expect(d.error).toMatch(/ECONNREFUSED|Connection failed/);
      const wait = Date.parse(d.next_attempt_at) - Date.parse(d.at);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(10_000);
    }

    // Not due yet: nothing is tried.
    expect((await t.service.dispatcher.runOnce()).attempted).toBe(0);
    t.clock.advance(10_000);
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 3, retrying: 3 });
    deliveries = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json().data as Json[];
    const seconds = deliveries.filter((d) => d.attempt === 2);
    expect(seconds).toHaveLength(3);
    // The second wait is longer than the first (exponential backoff).
    expect(Date.parse(seconds[0].next_attempt_at) - Date.parse(seconds[0].at)).toBeGreaterThan(Date.parse(failed[0].next_attempt_at) - Date.parse(failed[0].at));

    await receiver.start(port);
    t.clock.advance(HOUR);
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 3, delivered: 3 });
    const feed = (await api(t, 'GET', '/api/v1/events')).json().data as Json[];
    expect(receiver.eventIds().sort((a, b) => a - b)).toEqual(feed.map((e) => e.id));
    for (const got of receiver.received) expect(verifySignature(webhook.secret, got.signature, got.body).valid).toBe(true);
    t.clock.advance(HOUR);
    expect((await t.service.dispatcher.runOnce()).attempted).toBe(0);
    expect(await t.service.outboxStats()).toEqual({ pending: 0, retrying: 0, failed: 0 });
  });

  it('keeps retrying a failing receiver for 24 hours, then marks the delivery failed without disabling the webhook', async () => {
    receiver.status = 503;
    const webhook = await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    const start = t.clock.now();
    await t.service.dispatcher.runOnce();
    for (let i = 0; i < 200; i += 1) {
      const latest = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries?limit=1`)).json().data[0] as Json;
      if (latest.next_attempt_at === null) break;
      t.clock.set(Date.parse(latest.next_attempt_at));
      await t.service.dispatcher.runOnce();
    }
    const attempts = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries?limit=500`)).json().data as Json[];
    const last = attempts[0];
    expect(last).toMatchObject({ status_code: 503, error: 'HTTP 503', next_attempt_at: null });
    expect(Date.parse(last.at) - start).toBeGreaterThanOrEqual(24 * HOUR);
    expect(attempts.every((a, i) => a.attempt === attempts.length - i)).toBe(true);
    expect(receiver.received).toHaveLength(attempts.length);
    // Every wait is at most an hour: the receiver was tried all day long.
    for (const a of attempts.slice(1)) expect(Date.parse(a.next_attempt_at) - Date.parse(a.at)).toBeLessThanOrEqual(HOUR);
    expect(await t.service.outboxStats()).toEqual({ pending: 0, retrying: 0, failed: 1 });

    // Still registered and still receiving new events.
    expect((await api(t, 'GET', `/api/v1/webhooks/${webhook.id}`)).statusCode).toBe(200);
    receiver.status = 204;
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-26', time: '09:00' });
    expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 2, delivered: 2, retrying: 0 });
    expect(receiver.received[receiver.received.length - 1].json.booking.date).toBe('2027-12-26');
  });

  it('sends nothing for a change that rolled back', async () => {
    await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    const uow = new KyselyUnitOfWork(t.service.database.db, t.service.database.capabilities);
    await expect(
      uow.run(async (repos) => {
        const now = t.clock.now();
        await storeBooking(repos, aBooking().of(provider as { id: number; timezone: string }).at('2027-12-25', '10:00').withCustomer(null, 'rolled.back@example.com'), anEvent('booking.created', now));
        throw new Error('the change fails after its event was written');
      }),
    ).rejects.toThrow('the change fails');
    // A refused change (409) writes no event either.
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '11:00' });
    expect((await api(t, 'POST', '/api/v1/bookings', { provider_id: provider.id, date: '2027-12-25', time: '11:00' })).statusCode).toBe(409);

    const summary = await t.service.dispatcher.runOnce();
    expect(receiver.received.map((r) => r.json.booking.time)).toEqual(['11:00:00']);
    // One webhook item and one email to the provider, for the committed booking only.
    expect(summary.enqueued).toBe(2);
  });

  it('delivers a committed event after a crash: a new instance on the same database sends it', async () => {
    await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    // The process dies after the commit, before any dispatch.
    await t.close();
    t = await createOutboxApp({ dialect, env: ALLOW_PRIVATE, databaseUrl: t.databaseUrl, clock: t.clock });
    await t.service.dispatcher.runOnce();
    expect(receiver.received.map((r) => r.json.type)).toEqual(['booking.created']);
  });

  it('hands an item claimed by an instance that died to another one when the claim runs out', async () => {
    await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    const other = await createOutboxApp({ dialect, env: ALLOW_PRIVATE, databaseUrl: t.databaseUrl, clock: t.clock });
    try {
      const outbox = new KyselyOutbox(t.service.database.db, t.service.database.capabilities);
      // The first instance fans out and claims, then dies before sending.
      await outbox.fanOut(async (tx) => {
        const events = await tx.nextEvents(10);
        await tx.enqueue(events.map((e) => ({ channel: 'webhook' as const, eventId: e.id, webhookId: 1 })), t.clock.now());
        await tx.advance(events[events.length - 1].id);
      });
      const claimed = await outbox.claimDue(t.clock.now(), 10, 60_000);
      expect(claimed).toHaveLength(1);
      await t.close();

      expect((await other.service.dispatcher.runOnce()).attempted).toBe(0);
      expect(receiver.received).toHaveLength(0);
      t.clock.advance(60_000);
      expect(await other.service.dispatcher.runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
      expect(receiver.received.map((r) => r.json.type)).toEqual(['booking.created']);
      // The dead instance's late report is ignored: its claim is gone.
      expect(await new KyselyOutbox(other.service.database.db, other.service.database.capabilities).recordAttempt(claimed[0], {
        at: t.clock.now(),
        statusCode: 200,
        error: null,
        delivered: true,
        nextAttemptAt: null,
      })).toBe(false);
    } finally {
      t = other;
    }
  });

  it('checks the target again at send time: a loopback target registered while allowed is refused once disallowed', async () => {
    const webhook = await makeWebhook(t, receiver.url);
    await t.close();
    t = await createOutboxApp({ dialect, databaseUrl: t.databaseUrl, clock: t.clock });
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(0);
    const [attempt] = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json().data as Json[];
    expect(attempt).toMatchObject({ attempt: 1, status_code: null, error: expect.stringMatching(/^Refused: .*loopback or private/) });
    // The recorded error names no address: the deliveries list must not map the network behind the service.
    expect(attempt.error).not.toContain('127.0.0.1');
    expect(attempt.next_attempt_at).not.toBeNull();
  });

  it('stops delivering to a deleted webhook, pending retries included', async () => {
    receiver.status = 500;
    const webhook = await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(1);
    expect((await api(t, 'DELETE', `/api/v1/webhooks/${webhook.id}`)).statusCode).toBe(204);
    receiver.status = 200;
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00' });
    t.clock.advance(HOUR);
    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(1);
    expect(await t.service.outboxStats()).toEqual({ pending: 0, retrying: 0, failed: 0 });
  });
});
