import { verifyWebhookSignature } from '../../src';
import { expectErrorShape } from '../http/helpers';
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, Json, makeBooking, makeClientKey, makeProvider, makeWebhook, Receiver } from './support';

const HOUR = 3_600_000;

describe.each(DIALECTS)('webhook secret rotation on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;

  beforeEach(async () => {
    t = await createOutboxApp({ dialect, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
    await t.close();
  });

  /** What a receiver holding only `secret` makes of a request, at the service's (controlled) time. */
  const acceptedWith = (secret: string, got: { body: string; signature: string }) =>
    verifyWebhookSignature(got.body, got.signature, secret, { now: new Date(t.clock.now()) });

  it('signs with both secrets for 24 hours, the new one first, so an event left undelivered across the rotation is not lost; then with the new one only', async () => {
    const webhook = await makeWebhook(t, receiver.url);
    const provider = await makeProvider(t);
    const early = await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '09:00' });
    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(1);
    expect(acceptedWith(webhook.secret, receiver.received[0])).toBe(true);

    // The receiver fails the next event: it is still undelivered when the secret changes.
    receiver.status = 503;
    const pending = await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '10:00' });
    await t.service.dispatcher.runOnce();
    expect(receiver.received).toHaveLength(2);

    const res = await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const rotated = res.json();
    expect(rotated).toEqual({
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
      created_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{32,}$/),
      previous_secret_expires_at: new Date(t.clock.now() + 24 * HOUR).toISOString(),
    });
    expect(rotated.secret).not.toBe(webhook.secret);
    const reads = [await api(t, 'GET', `/api/v1/webhooks/${webhook.id}`), await api(t, 'GET', '/api/v1/webhooks')];
    for (const read of reads) expect(read.body).not.toContain(rotated.secret);

    // Within the grace period: the retry of the pending event and a new event both carry two signatures.
    receiver.status = 200;
    t.clock.advance(HOUR);
    const later = await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '11:00' });
    await t.service.dispatcher.runOnce();
    const inGrace = receiver.received.slice(2);
    expect(inGrace.map((r) => r.json.booking.id).sort()).toEqual([pending.id, later.id].sort());
    for (const got of inGrace) {
      const [, first, second, ...rest] = got.signature.split(',');
      expect(rest).toEqual([]);
      expect(acceptedWith(rotated.secret, { body: got.body, signature: `${got.signature.split(',')[0]},${first}` })).toBe(true);
      expect(acceptedWith(webhook.secret, { body: got.body, signature: `${got.signature.split(',')[0]},${second}` })).toBe(true);
      expect(acceptedWith(webhook.secret, got)).toBe(true);
      expect(acceptedWith(rotated.secret, got)).toBe(true);
      expect(acceptedWith('whsec_neither-of-the-two-secrets', got)).toBe(false);
    }

    // After the grace period: the new secret alone signs; a receiver still on the old one refuses.
    t.clock.advance(23 * HOUR);
    await api(t, 'DELETE', `/api/v1/bookings/${early.id}`);
    await t.service.dispatcher.runOnce();
    const after = receiver.received.slice(4);
    expect(after.map((r) => r.json.type)).toEqual(['booking.cancelled']);
    expect(after[0].signature.split(',')).toHaveLength(2);
    expect(acceptedWith(rotated.secret, after[0])).toBe(true);
    expect(acceptedWith(webhook.secret, after[0])).toBe(false);

    const deliveries = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json().data as Json[];
    expect(deliveries.filter((d) => d.status_code === 200)).toHaveLength(4);
  });

  it('takes a secret the caller chose; a second rotation drops the oldest secret', async () => {
    const webhook = await makeWebhook(t, receiver.url);
    const chosen = 'rotated-secret-of-32-characters!';
    const first = await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`, { secret: chosen });
    expect(first.statusCode).toBe(200);
    expect(first.json().secret).toBe(chosen);
    const second = await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`, {});
    expect(second.statusCode).toBe(200);
    const newest = second.json().secret as string;

    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '09:00' });
    await t.service.dispatcher.runOnce();
    const [got] = receiver.received;
    expect(got.signature.split(',')).toHaveLength(3);
    expect(acceptedWith(newest, got)).toBe(true);
    expect(acceptedWith(chosen, got)).toBe(true);
    expect(acceptedWith(webhook.secret, got)).toBe(false);
  });

  it('is for admins: 403 for a client, 404 for an unknown or deleted webhook, 400 for a bad secret, and changes nothing then', async () => {
    const webhook = await makeWebhook(t, receiver.url);
    const client = await makeClientKey(t);
    expectErrorShape(await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`, undefined, client), 403, 'FORBIDDEN');
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks/999999/secret'), 404, 'NOT_FOUND');
    expectErrorShape(await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`, { secret: 'short' }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`, { secret: 'x'.repeat(32), other: 1 }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await api(t, 'POST', '/api/v1/webhooks/abc/secret'), 400, 'VALIDATION_ERROR');

    const provider = await makeProvider(t);
    await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '09:00' });
    await t.service.dispatcher.runOnce();
    expect(receiver.received[0].signature.split(',')).toHaveLength(2);
    expect(acceptedWith(webhook.secret, receiver.received[0])).toBe(true);

    expect((await api(t, 'DELETE', `/api/v1/webhooks/${webhook.id}`)).statusCode).toBe(204);
    expectErrorShape(await api(t, 'POST', `/api/v1/webhooks/${webhook.id}/secret`), 404, 'NOT_FOUND');
  });
});
