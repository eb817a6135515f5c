import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { AddressInfo, connect, isIP } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { KyselyWebhookRepository } from '../../src/adapters/persistence/kysely-webhook-repository';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { DnsWebhookUrlPolicy, HostLookup } from '../../src/adapters/webhooks/dns-webhook-url-policy';
import { FetchWebhookSender } from '../../src/adapters/webhooks/fetch-webhook-sender';
import { ValidationError } from '../../src/domain/errors';
import { DIALECTS } from '../support/databases';
import { TEST_NOW } from '../support/http-harness';
import { api, createOutboxApp, Json, makeBooking, makeProvider, Receiver, verifySignature } from './support';

/** A documentation address: public to the policy, and never dialled by these tests (the test network serves it). */
const PUBLIC = '203.0.113.7';
const NAME = 'hooks.rebinding.test';
const TLS = {
  cert: readFileSync(join(__dirname, 'fixtures', 'webhook-tls-cert.pem')),
  key: readFileSync(join(__dirname, 'fixtures', 'webhook-tls-key.pem')),
};

/** Answers the public address to the first lookup and 127.0.0.1 to every later one, as a rebinding DNS server does. */
function rebindingLookup(): HostLookup & { calls: number } {
  const lookup = Object.assign(
    async (host: string) => {
      if (host !== NAME) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      lookup.calls += 1;
      return lookup.calls === 1 ? [PUBLIC] : ['127.0.0.1'];
    },
    { calls: 0 },
  );
  return lookup;
}

/**
 * The network as a connection sees it, for a sender given this agent: a name is resolved with `lookup` (as the
 * system resolver would be asked again), the public address is served by `publicPort` on loopback, and every other
 * address is dialled for real. `dialled` lists each address a connection went to.
 */
function testNetwork<A extends HttpAgent>(agent: A, lookup: HostLookup, publicPort: number, tls: boolean): A & { dialled: string[] } {
  const dialled: string[] = [];
  agent.createConnection = (options: ClientRequestArgs & { servername?: string }, callback?: (err: Error | null, stream: Duplex) => void) => {
    const host = String(options.host);
    const resolved = isIP(host) ? Promise.resolve(host) : lookup(host).then((addresses) => addresses[0]);
    resolved.then(
      (address) => {
        dialled.push(address);
        const [to, port] = address === PUBLIC ? ['127.0.0.1', publicPort] : [address, Number(options.port)];
        // TLS checks the certificate against the server name the sender gave (never the address dialled).
        const socket = tls ? tlsConnect({ host: to, port, servername: options.servername, ca: TLS.cert }) : connect(port, to);
        callback?.(null, socket);
      },
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  };
  return Object.assign(agent, { dialled });
}

describe('the webhook URL policy hands out the addresses it checked', () => {
  it('returns every address of a public name, refuses a name with any private one without naming it, and does not resolve when private targets are allowed', async () => {
    const answers: Record<string, string[]> = { 'public.test': [PUBLIC, '2001:db8::7'], 'mixed.test': [PUBLIC, '10.0.0.5'] };
    let calls = 0;
    const lookup: HostLookup = async (host) => {
      calls += 1;
      return answers[host] ?? [];
    };
    const policy = new DnsWebhookUrlPolicy(false, lookup);
    expect(await policy.assertAllowed('https://public.test/hooks')).toEqual({ url: new URL('https://public.test/hooks'), addresses: [PUBLIC, '2001:db8::7'] });
    expect((await policy.assertAllowed(`http://${PUBLIC}:8080/x`)).addresses).toEqual([PUBLIC]);
    const refused = policy.assertAllowed('http://mixed.test/hooks');
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(/loopback or private/);
    await expect(refused).rejects.not.toThrow(/10\.0\.0\.5/);
    await expect(policy.assertAllowed('http://nothing.test/')).rejects.toThrow(/cannot be resolved/);
    const before = calls;
    expect(await new DnsWebhookUrlPolicy(true, lookup).assertAllowed('http://mixed.test/hooks')).toMatchObject({ addresses: null });
    expect(calls).toBe(before);
  });

  it('over https: the connection goes to the address checked and the certificate is checked against the name', async () => {
    const received: { host: string | undefined; body: string }[] = [];
    const site: HttpsServer = createHttpsServer(TLS, (req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ host: req.headers.host, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const lookup = rebindingLookup();
    const network = testNetwork(new HttpsAgent(), lookup, (site.address() as AddressInfo).port, true);
    const clock = new FixedClock(Date.parse(TEST_NOW));
    const sender = new FetchWebhookSender(new DnsWebhookUrlPolicy(false, lookup), clock, { agents: { https: network } });
    const trap = await new Receiver().start();
    try {
      const result = await sender.send({ url: `https://${NAME}:${trap.port}/hooks`, secrets: ['s'.repeat(32)], eventId: 7, body: '{"id":7}' });
      expect(result).toEqual({ delivered: true, statusCode: 204, error: null });
      expect(network.dialled).toEqual([PUBLIC]);
      expect(received).toEqual([{ host: `${NAME}:${trap.port}`, body: '{"id":7}' }]);
      expect(trap.received).toHaveLength(0);
    } finally {
      await trap.stop();
      network.destroy();
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
    }
  });
});

describe.each(DIALECTS)('a webhook name that answers a public address to the check and loopback afterwards, on %s', (dialect) => {
  let trap: Receiver;

  beforeEach(async () => {
    trap = await new Receiver().start();
  });
  afterEach(() => trap.stop());

  it('over http: the POST goes to the address checked, with the name in Host; loopback is never reached', async () => {
    const site = await new Receiver().start();
    const lookup = rebindingLookup();
    const network = testNetwork(new HttpAgent(), lookup, site.port, false);
    const clock = new FixedClock(Date.parse(TEST_NOW));
    const sender = new FetchWebhookSender(new DnsWebhookUrlPolicy(false, lookup), clock, { agents: { http: network } });
    const t = await createOutboxApp({ dialect, clock, service: { webhookSender: sender } });
    try {
      const { db, capabilities } = t.service.database;
      // The trap's port in the URL: whatever resolves the name again and connects lands on the trap.
      const url = `http://${NAME}:${trap.port}/hooks`;
      const webhook = await new KyselyWebhookRepository(db, capabilities).create({ url, events: ['booking.created'], secret: 's'.repeat(32), createdAt: clock.now() });
      const provider = await makeProvider(t);
      await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '09:00' });

      expect(await t.service.dispatcher.runOnce()).toMatchObject({ attempted: 2, delivered: 2 });
      expect(network.dialled).toEqual([PUBLIC]);
      expect(trap.received).toHaveLength(0);
      expect(site.received).toHaveLength(1);
      expect(site.received[0].host).toBe(`${NAME}:${trap.port}`);
      expect(verifySignature(webhook.secret, site.received[0].signature, site.received[0].body).valid).toBe(true);

      // The next send's check gets the loopback answer: refused, and still nothing reaches loopback.
      await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '10:00' });
      await t.service.dispatcher.runOnce();
      expect(trap.received).toHaveLength(0);
      expect(network.dialled).toEqual([PUBLIC]);
      const [latest, first] = (await api(t, 'GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json().data as Json[];
      expect(first).toMatchObject({ status_code: 200, error: null });
      expect(latest).toMatchObject({ status_code: null, error: expect.stringMatching(/^Refused: /) });
      expect(latest.error).not.toContain('127.0.0.1');
    } finally {
      await t.close();
      await site.stop();
    }
  });

});
