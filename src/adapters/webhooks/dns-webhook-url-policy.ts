import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { VettedWebhookTarget, WebhookUrlPolicy } from '../../application/ports/webhook-url-policy';
import { ValidationError } from '../../domain/errors';
import { assertWebhookUrl } from '../../domain/webhook';

const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted quad converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** The IPv4 address carried inside an IPv6 one (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any. */
function embeddedIPv4(address: string): string | null {
  const g = ipv6Groups(address);
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeroPrefix = g.slice(0, 5).every((x) => x === 0);
  if (zeroPrefix && (g[5] === 0xffff || g[5] === 0) && (g[6] !== 0 || g[7] > 1)) return quad(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return quad(g[6], g[7]);
  if (g[0] === 0x2002) return quad(g[1], g[2]);
  return null;
}

/** True for loopback, private, link-local, unique-local and other non-public addresses, IPv4 or IPv6. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family !== 6) return true;
  const inner = embeddedIPv4(address);
  if (inner !== null) return REFUSED.check(inner, 'ipv4');
  return REFUSED.check(address.replace(/%.*$/, ''), 'ipv6');
}

/** Every address a host name resolves to. */
export type HostLookup = (host: string) => Promise<string[]>;

/** The system resolver (`dns.lookup`, as connections use it): every address, in the resolver's order. */
export const systemLookup: HostLookup = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses webhook targets that resolve to non-public addresses: every address the name resolves to is checked,
 * so a public-looking name that points at 127.0.0.1 is caught. Asked at registration and again before each send,
 * where the sender then connects to the addresses checked here and never resolves the name again (a name that
 * answers a public address to the check and a private one to the connection gets nowhere).
 */
export class DnsWebhookUrlPolicy implements WebhookUrlPolicy {
  constructor(
    private readonly allowPrivate: boolean,
    private readonly lookupHost: HostLookup = systemLookup,
  ) {}

  async assertAllowed(url: string): Promise<VettedWebhookTarget> {
    const parsed = assertWebhookUrl(url);
    if (this.allowPrivate) return { url: parsed, addresses: null };
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.lookupHost(host);
    } catch {
      throw new ValidationError('url host cannot be resolved', { field: 'url' });
    }
    // The addresses are not named: the message is recorded with failed deliveries, which must not map a network.
    if (addresses.length === 0) throw new ValidationError('url host cannot be resolved', { field: 'url' });
    if (addresses.some(isNonPublicAddress)) {
      throw new ValidationError(
        'url resolves to a loopback or private network address; such targets are refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true',
        { field: 'url' },
      );
    }
    return { url: parsed, addresses };
  }
}
