import { KyselyOutbox } from '../../src/adapters/persistence/kysely-outbox';
import { KyselyProviderRepository } from '../../src/adapters/persistence/kysely-provider-repository';
import { KyselyWebhookRepository } from '../../src/adapters/persistence/kysely-webhook-repository';
import { FetchWebhookSender } from '../../src/adapters/webhooks/fetch-webhook-sender';
import { DnsWebhookUrlPolicy } from '../../src/adapters/webhooks/dns-webhook-url-policy';
import { Dispatcher } from '../../src/application/dispatcher';
import { Logger } from '../../src/application/ports/logger';
import { BookingMail, Mailer } from '../../src/application/ports/mailer';
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { createOutboxApp, makeBooking, makeProvider } from './support';

/** The outbox, counting how many write transactions record attempts, and the items claimed after fan-out. */
class CountingOutbox extends KyselyOutbox {
  recordCalls = 0;
  claimedLater = 0;

  override recordAttempts(...args: Parameters<KyselyOutbox['recordAttempts']>) {
    this.recordCalls += 1;
    return super.recordAttempts(...args);
  }

  override async claimDue(...args: Parameters<KyselyOutbox['claimDue']>) {
    const items = await super.claimDue(...args);
    this.claimedLater += items.length;
    return items;
  }
}

/** A mailer that keeps what it is given (a real implementation of the port, as the log mailer is). */
class KeepingMailer implements Mailer {
  readonly sent: BookingMail[] = [];

  async send(mail: BookingMail): Promise<void> {
    this.sent.push(mail);
  }
}

const quietLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each(DIALECTS)('outbox attempts recorded in groups on %s', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createOutboxApp({ dialect });
  });
  afterEach(() => t.close());

  it('records a burst of sends in a few transactions, and every attempt exactly once', async () => {
    const provider = await makeProvider(t);
    for (let hour = 8; hour < 20; hour++) {
      await makeBooking(t, { provider_id: provider.id, date: '2027-12-27', time: `${String(hour).padStart(2, '0')}:00`, customer_email: `c${hour}@example.com` });
    }
    const { db, capabilities } = t.service.database;
    const outbox = new CountingOutbox(db, capabilities);
    const mailer = new KeepingMailer();
    const dispatcher = new Dispatcher(
      outbox,
      new KyselyWebhookRepository(db, capabilities),
      new KyselyProviderRepository(db),
      new FetchWebhookSender(new DnsWebhookUrlPolicy(false), t.clock),
      mailer,
      t.clock,
      quietLogger,
      { concurrency: 8 },
    );

    const summary = await dispatcher.runOnce();
    expect(summary).toMatchObject({ enqueued: 24, attempted: 24, delivered: 24, retrying: 0, failed: 0 });
    expect(mailer.sent).toHaveLength(24);
    // The items were claimed as the fan-out wrote them: none had to be claimed again.
    expect(outbox.claimedLater).toBe(0);
    // Sends that finish while the group is still growing join it: the whole burst is written in one transaction.
    expect(outbox.recordCalls).toBe(1);
    const attempts = await db.selectFrom('outbox_attempts').select(['outbox_id']).execute();
    expect(attempts).toHaveLength(24);
    expect(new Set(attempts.map((a) => a.outbox_id)).size).toBe(24);
    expect(await outbox.stats()).toEqual({ pending: 0, retrying: 0, failed: 0 });
    expect((await dispatcher.runOnce()).attempted).toBe(0);
  });
});
