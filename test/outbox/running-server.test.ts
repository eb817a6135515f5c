import { startServer } from '../../src/http-server';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';
import { adminCalls, testConfig } from '../support/http-harness';
import { MailSink, Receiver, ReceivedWebhook, verifySignature } from './support';

describe.each(DIALECTS)('a running server on %s', (dialect) => {
  it('starts the dispatcher: a booking made over HTTP reaches the webhook and the mailbox without any manual pass', async () => {
    const sink = await new MailSink().start();
    const receiver = await new Receiver().start();
    const config = await testConfig({
      DATABASE_URL: await freshDatabaseUrl(dialect),
      PORT: String(await freePort()),
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      SMTP_URL: sink.url,
    });
    const server = await startServer(config, { logger: false });
    try {
      const call = adminCalls(server.url);
      const webhook = await call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['booking.created'] });
      expect(webhook.status).toBe(201);
      const provider = await call('POST', '/api/v1/providers', { name: 'Dr. Ada Byron', email: 'ada@example.com' });
      const arrived = new Promise<ReceivedWebhook>((resolve) => {
        const timer = setInterval(() => {
          if (receiver.received.length > 0 && sink.messages.length > 0) {
            clearInterval(timer);
            resolve(receiver.received[0]);
          }
        }, 50);
      });
      const booking = await call('POST', '/api/v1/bookings', { provider_id: provider.json.id, date: '2030-12-25', time: '14:30' });
      expect(booking.status).toBe(201);
      const got = await arrived;
      expect(got.json).toMatchObject({ type: 'booking.created', booking: { id: booking.json.id } });
      expect(verifySignature(webhook.json.secret, got.signature, got.body).valid).toBe(true);
      expect(sink.messages[0].to).toEqual(['ada@example.com']);
    } finally {
      await server.close();
      await receiver.stop();
      await sink.stop();
    }
  });
});
