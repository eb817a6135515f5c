import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { jsonLogger } from '../../src/adapters/system/json-logger';
import { BookingService } from '../../src/service';
import { createTestApp, TestApp, TestAppOptions } from '../support/http-harness';

export type Json = Record<string, any>;

/** The shared harness with deterministic retry jitter: every delay is exactly its midpoint. */
export function createOutboxApp(options: TestAppOptions): Promise<TestApp> {
  return createTestApp({ ...options, service: { dispatcher: { random: () => 0.5 }, ...options.service } });
}

export async function api(t: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key?: string) {
  const headers = t.headers(key);
  if (payload === undefined) delete headers['content-type'];
  return t.app.inject({ method, url, headers, payload: payload as never });
}

let emails = 0;

export async function makeProvider(t: TestApp, fields: Json = {}): Promise<Json> {
  emails += 1;
  const res = await api(t, 'POST', '/api/v1/providers', { name: 'Dr. Ada Byron', email: `ada.${emails}@example.com`, ...fields });
  if (res.statusCode !== 201) throw new Error(`provider: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function makeBooking(t: TestApp, fields: Json): Promise<Json> {
  const res = await api(t, 'POST', '/api/v1/bookings', fields);
  if (res.statusCode !== 201) throw new Error(`booking: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function makeClientKey(t: TestApp): Promise<string> {
  const res = await api(t, 'POST', '/api/v1/api-keys', { name: 'client app', role: 'client' });
  if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
  return res.json().key;
}

export async function makeWebhook(t: TestApp, url: string, events: string[] = ['booking.created', 'booking.rescheduled', 'booking.updated', 'booking.cancelled']) {
  const res = await api(t, 'POST', '/api/v1/webhooks', { url, events });
  if (res.statusCode !== 201) throw new Error(`webhook: ${res.statusCode} ${res.body}`);
  return res.json() as { id: number; secret: string; url: string; events: string[] };
}

export interface ReceivedWebhook {
  /** The Host header. */
  host: string;
  eventId: string;
  signature: string;
  body: string;
  json: Json;
}

/** Recomputes X-Webhook-Signature as a receiver would: `t=<s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function verifySignature(secret: string, header: string, body: string): { valid: boolean; t: number } {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return { valid: given.length === expected.length && timingSafeEqual(given, expected), t: Number(parts.t) };
}

/** A webhook receiver on loopback that records what it gets and answers `status` (200 by default). */
export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          host: String(req.headers.host),
          eventId: String(req.headers['x-webhook-event-id']),
          signature: String(req.headers['x-webhook-signature']),
          body,
          json: JSON.parse(body),
        });
        res.writeHead(this.status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  eventIds(): number[] {
    return this.received.map((r) => Number(r.eventId));
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** An SMTP server in process (no TLS, no auth) that keeps every message. */
export class MailSink {
  readonly messages: ReceivedMail[] = [];
  /** Answer every message with a temporary failure. */
  refuse = false;
  private server: SMTPServer | null = null;
  port = 0;

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refuse) {
            callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
            return;
          }
          this.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A "mail server" that accepts connections and never says a word: every SMTP send to it hangs. */
export class SilentSmtpServer {
  /** Connections accepted so far. */
  accepted = 0;
  private readonly sockets = new Set<Socket>();
  private server: TcpServer | null = null;
  port = 0;

  async start(): Promise<this> {
    const server = createTcpServer((socket) => {
      this.accepted += 1;
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Connections open right now: sends waiting for a greeting that never comes. */
  get open(): number {
    return this.sockets.size;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Polls `condition` every 25 ms; resolves with the milliseconds it took, rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - start;
}

export interface MimePart {
  headers: Record<string, string>;
  body: string;
  parts: MimePart[];
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i += 1) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Just enough MIME to read back what nodemailer wrote: nested multiparts, base64 and quoted-printable. */
export function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const rest = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const sections = rest.split(`--${boundary}`).slice(1);
    const parts = sections.filter((s) => !s.startsWith('--')).map((s) => parseMime(s.replace(/^\r?\n/, '')));
    return { headers, body: '', parts };
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body =
    encoding === 'base64'
      ? Buffer.from(rest.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(rest)
        : rest;
  return { headers, body, parts: [] };
}

export function leafParts(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(leafParts) : [part];
}

export const silentLogger = jsonLogger('silent');
export type { BookingService };

/** A received email's recipients, subject, text and HTML bodies, and its calendar attachment with its content type. */
export interface ReadMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  calendarType: string;
  calendar: string;
}

export function readMail(mail: ReceivedMail): ReadMail {
  const root = parseMime(mail.raw);
  const leaves = leafParts(root);
  const find = (type: RegExp) => leaves.find((p) => type.test(p.headers['content-type'] ?? ''));
  const calendar = find(/^text\/calendar/);
  return {
    to: mail.to,
    subject: root.headers.subject,
    text: find(/^text\/plain/)?.body ?? '',
    html: find(/^text\/html/)?.body ?? '',
    calendarType: calendar?.headers['content-type'] ?? '',
    calendar: calendar?.body ?? '',
  };
}
