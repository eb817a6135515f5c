import { KyselyOutbox } from '../../src/adapters/persistence/kysely-outbox';
import { KyselyWebhookRepository } from '../../src/adapters/persistence/kysely-webhook-repository';
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { createOutboxApp, makeBooking, makeProvider } from './support';

describe.each(DIALECTS)('KyselyOutbox on %s', (dialect) => {
  let t: TestApp;
  let outbox: KyselyOutbox;
  let webhooks: KyselyWebhookRepository;

  beforeEach(async () => {
    t = await createOutboxApp({ dialect });
    outbox = new KyselyOutbox(t.service.database.db, t.service.database.capabilities);
    webhooks = new KyselyWebhookRepository(t.service.database.db, t.service.database.capabilities);
  });
  afterEach(() => t.close());

  async function fanOutAsWebhookItems(webhookId: number): Promise<number[]> {
    const ids = await outbox.fanOut(async (tx) => {
      const events = await tx.nextEvents(100);
      const items = events.map((e) => ({ channel: 'webhook' as const, eventId: e.id, webhookId }));
      await tx.enqueue(items, t.clock.now());
      // Enqueuing the same event and target again adds nothing.
      await tx.enqueue(items, t.clock.now());
      if (events.length) await tx.advance(events[events.length - 1].id);
      return events.map((e) => e.id);
    });
    return ids ?? [];
  }

  it('fans out each event once, past a cursor', async () => {
    const webhook = await webhooks.create({ url: 'http://93.184.216.34/', events: ['booking.created'], secret: 's'.repeat(32), createdAt: t.clock.now() });
    expect(await outbox.hasEventsToFanOut()).toBe(false);
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00' });
    expect(await outbox.hasEventsToFanOut()).toBe(true);
    expect(await fanOutAsWebhookItems(webhook.id)).toHaveLength(2);
    expect(await outbox.hasEventsToFanOut()).toBe(false);
    expect(await fanOutAsWebhookItems(webhook.id)).toEqual([]);
    expect(await outbox.stats()).toEqual({ pending: 2, retrying: 0, failed: 0 });
  });

  it('claims the items it enqueues when asked, until the claim runs out', async () => {
    const webhook = await webhooks.create({ url: 'http://93.184.216.34/', events: ['booking.created'], secret: 's'.repeat(32), createdAt: t.clock.now() });
    const provider = await makeProvider(t);
    for (const time of ['09:00', '10:00']) await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time });
    const now = t.clock.now();
    const added = await outbox.fanOut(async (tx) => {
      const events = await tx.nextEvents(100);
      const items = events.map((e) => ({ channel: 'webhook' as const, eventId: e.id, webhookId: webhook.id }));
      const first = await tx.enqueue([...items, items[0]], now, now + 30_000);
      // Already there: nothing added, nothing claimed.
      expect(await tx.enqueue(items, now, now + 30_000)).toEqual([]);
      await tx.advance(events[events.length - 1].id);
      return first;
    });
    expect(added).toHaveLength(2);
    expect(added!.map((item) => item.eventId)).toEqual([...new Set(added!.map((item) => item.eventId))]);
    const claim = added![0].claim;
    expect(claim).toEqual(expect.any(String));
    expect(added!.every((item) => item.claim === claim && item.channel === 'webhook' && item.webhookId === webhook.id)).toBe(true);
    // Held by the claim: due, yet nobody else gets them until it runs out.
    expect(await outbox.claimDue(now, 10, 30_000)).toEqual([]);
    const delivered = { at: now + 1, statusCode: 204, error: null, delivered: true, nextAttemptAt: null };
    const [event] = await t.service.useCases.listEvents.execute({ actor: { keyId: null, role: 'admin' } }).then((page) => page.items);
    const first = { ...added![0], claim: claim!, attempts: 0, firstAttemptAt: null, event: { ...event, id: added![0].eventId } };
    expect(await outbox.recordAttempt(first, delivered)).toBe(true);
    // The other one is claimable again once the claim has run out.
    const [again] = await outbox.claimDue(now + 30_000, 10, 30_000);
    expect(again).toMatchObject({ id: added![1].id, attempts: 0 });
    expect(again.claim).not.toBe(claim);
  });

  it('records several attempts in one call, each only under its current claim', async () => {
    const webhook = await webhooks.create({ url: 'http://93.184.216.34/', events: ['booking.created'], secret: 's'.repeat(32), createdAt: t.clock.now() });
    const provider = await makeProvider(t);
    for (const time of ['09:00', '10:00', '11:00']) await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time });
    await fanOutAsWebhookItems(webhook.id);
    const now = t.clock.now();
    const items = await outbox.claimDue(now, 10, 30_000);
    expect(items).toHaveLength(3);
    const delivered = { at: now + 1, statusCode: 204, error: null, delivered: true, nextAttemptAt: null };
    const lost = { ...items[1], claim: 'not-the-claim' };
    expect(await outbox.recordAttempts([])).toEqual([]);
    expect(await outbox.recordAttempts([items[0], lost, items[2]].map((item) => ({ item, record: delivered })))).toEqual([true, false, true]);
    // The item whose claim was not presented is untouched: still pending, still claimed, no attempt written.
    expect(await outbox.stats()).toEqual({ pending: 1, retrying: 0, failed: 0 });
    expect((await outbox.attemptsOf(webhook.id, 10)).map((a) => a.eventId).sort()).toEqual([items[0].eventId, items[2].eventId].sort());
    expect(await outbox.claimDue(now + 29_999, 10, 30_000)).toEqual([]);
    // The same report twice in one call: the first takes the claim, the second finds none.
    expect(await outbox.recordAttempts([{ item: items[1], record: delivered }, { item: items[1], record: delivered }])).toEqual([true, false]);
    expect(await outbox.stats()).toEqual({ pending: 0, retrying: 0, failed: 0 });
    expect(await outbox.attemptsOf(webhook.id, 10)).toHaveLength(3);
  });

  it('claims due items for a lease, records attempts only under the current claim, and hides deleted webhooks', async () => {
    const webhook = await webhooks.create({ url: 'http://93.184.216.34/', events: ['booking.created'], secret: 's'.repeat(32), createdAt: t.clock.now() });
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    await fanOutAsWebhookItems(webhook.id);
    const now = t.clock.now();

    const [item] = await outbox.claimDue(now, 10, 30_000);
    expect(item).toMatchObject({ channel: 'webhook', webhookId: webhook.id, attempts: 0, firstAttemptAt: null });
    expect(item.event.type).toBe('booking.created');
    expect(await outbox.claimDue(now + 29_999, 10, 30_000)).toEqual([]);
    const [again] = await outbox.claimDue(now + 30_000, 10, 30_000);
    expect(again.id).toBe(item.id);
    expect(again.claim).not.toBe(item.claim);

    const failure = { at: now + 30_000, statusCode: 500, error: 'HTTP 500', delivered: false, nextAttemptAt: now + 40_000 };
    expect(await outbox.recordAttempt(item, failure)).toBe(false);
    expect(await outbox.recordAttempt(again, failure)).toBe(true);
    expect(await outbox.recordAttempt(again, failure)).toBe(false);
    expect(await outbox.stats()).toEqual({ pending: 1, retrying: 1, failed: 0 });
    expect(await outbox.claimDue(now + 39_999, 10, 30_000)).toEqual([]);
    const [third] = await outbox.claimDue(now + 40_000, 10, 30_000);
    expect(third).toMatchObject({ attempts: 1, firstAttemptAt: now + 30_000 });
    expect(await outbox.attemptsOf(webhook.id, 10)).toEqual([
      { eventId: item.eventId, attempt: 1, statusCode: 500, error: 'HTTP 500', at: now + 30_000, nextAttemptAt: now + 40_000 },
    ]);

    expect(await outbox.recordAttempt(third, { ...failure, at: now + 40_000, nextAttemptAt: null })).toBe(true);
    expect(await outbox.stats()).toEqual({ pending: 0, retrying: 0, failed: 1 });

    // A deleted webhook's items are neither pending nor claimable.
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00' });
    await fanOutAsWebhookItems(webhook.id);
    expect(await webhooks.delete(webhook.id, now)).toBe(true);
    expect(await webhooks.delete(webhook.id, now)).toBe(false);
    expect(await webhooks.getById(webhook.id)).toBeNull();
    expect(await outbox.claimDue(now + 3_600_000, 10, 30_000)).toEqual([]);
    expect(await outbox.stats()).toEqual({ pending: 0, retrying: 0, failed: 1 });
  });

  it('starts a new webhook after the newest event', async () => {
    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });
    const webhook = await webhooks.create({ url: 'http://93.184.216.34/', events: ['booking.created'], secret: 's'.repeat(32), createdAt: t.clock.now() });
    const events = await t.service.useCases.listEvents.execute({ actor: { keyId: null, role: 'admin' } });
    expect(webhook.startAfterEventId).toBe(events.items[events.items.length - 1].id);
    expect(await webhooks.list()).toEqual([webhook]);
  });
});
