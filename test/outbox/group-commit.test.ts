import { KyselyBookingRepository } from '../../src/adapters/persistence/kysely-booking-repository';
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

/** The outbox, counting how many write transactions record attempts (and their sizes), and the items claimed after fan-out. */
class CountingOutbox extends KyselyOutbox {
  recordCalls = 0;
  groupSizes: number[] = [];
  claimedLater = 0;
  /** Runs once, as the first group's write begins. */
  onFirstWrite: (() => void) | null = null;

  override recordAttempts(...args: Parameters<KyselyOutbox['recordAttempts']>) {
    this.recordCalls += 1;
    this.groupSizes.push(args[0].length);
    const first = this.onFirstWrite;
    this.onFirstWrite = null;
    first?.();
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

describe.each(DIALECTS)('KyselyOutbox records attempts in groups (a group commit) on %s', (dialect) => {
  let t: TestApp;
  let outbox: CountingOutbox;

  beforeEach(async () => {
    t = await createOutboxApp({ dialect });
    outbox = new CountingOutbox(t.service.database.db, t.service.database.capabilities);
  });
  afterEach(() => t.close());

  /** `count` bookings fanned out as email items to the provider and claimed: the items, and the record of a delivery. */
  async function claimedItems(count: number) {
    const provider = await makeProvider(t);
    for (let i = 0; i < count; i += 1) await makeBooking(t, { provider_id: provider.id, date: '2027-12-27', time: `${String(8 + i).padStart(2, '0')}:00` });
    await outbox.fanOut(async (tx) => {
      const events = await tx.nextEvents(100);
      await tx.enqueue(events.map((e) => ({ channel: 'email' as const, eventId: e.id, recipient: provider.email, role: 'provider' as const })), t.clock.now());
      await tx.advance(events[events.length - 1].id);
    });
    const items = await outbox.claimDue(t.clock.now(), 100, 60_000);
    expect(items).toHaveLength(count);
    return { items, delivered: { at: t.clock.now(), statusCode: null, error: null, delivered: true, nextAttemptAt: null } };
  }

  it('writes attempts reported in the same turn in one transaction, each answered on its own claim', async () => {
    const { items, delivered } = await claimedItems(6);
    const lost = { ...items[2], claim: 'not-the-claim' };
    const answers = await Promise.all([items[0], items[1], lost, items[3], items[4], items[5]].map((item) => outbox.recordAttempt(item, delivered)));
    expect(answers).toEqual([true, true, false, true, true, true]);
    expect(outbox.groupSizes).toEqual([6]);
    expect(await outbox.stats()).toEqual({ pending: 1, retrying: 0, failed: 0 });
  });

  it('gathers attempts reported while a group is being written into the next group', async () => {
    const { items, delivered } = await claimedItems(7);
    const late: Promise<boolean>[] = [];
    outbox.onFirstWrite = () => late.push(...items.slice(3).map((item) => outbox.recordAttempt(item, delivered)));
    const early = await Promise.all(items.slice(0, 3).map((item) => outbox.recordAttempt(item, delivered)));
    expect([...early, ...(await Promise.all(late))]).toEqual(Array(7).fill(true));
    expect(outbox.groupSizes).toEqual([3, 4]);
    expect(await outbox.stats()).toEqual({ pending: 0, retrying: 0, failed: 0 });
    const attempts = await t.service.database.db.selectFrom('outbox_attempts').select('outbox_id').execute();
    expect(attempts.map((a) => a.outbox_id).sort((a, b) => a - b)).toEqual(items.map((item) => item.id).sort((a, b) => a - b));
  });
});

describe.each(DIALECTS)('the dispatcher recording a burst of sends on %s', (dialect) => {
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
      new KyselyBookingRepository(db, capabilities, false),
      new FetchWebhookSender(new DnsWebhookUrlPolicy(false), t.clock),
      mailer,
      { pageOf: () => null },
      t.clock,
      quietLogger,
      { concurrency: 8 },
    );

    const summary = await dispatcher.runOnce();
    expect(summary).toMatchObject({ enqueued: 24, attempted: 24, delivered: 24, retrying: 0, failed: 0 });
    expect(mailer.sent).toHaveLength(24);
    // The items were claimed as the fan-out wrote them: none had to be claimed again.
    expect(outbox.claimedLater).toBe(0);
    // The dispatcher records each attempt on its own; the outbox writes those that finish together in one transaction.
    expect(outbox.recordCalls).toBe(1);
    const attempts = await db.selectFrom('outbox_attempts').select(['outbox_id']).execute();
    expect(attempts).toHaveLength(24);
    expect(new Set(attempts.map((a) => a.outbox_id)).size).toBe(24);
    expect(await outbox.stats()).toEqual({ pending: 0, retrying: 0, failed: 0 });
    expect((await dispatcher.runOnce()).attempted).toBe(0);
  });
});
