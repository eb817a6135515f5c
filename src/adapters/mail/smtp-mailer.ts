import type { Transporter } from 'nodemailer';
import { BookingMail, Mailer } from '../../application/ports/mailer';
import { composeBookingMail } from './booking-mail-message';

/** How long each step of a send may take; nodemailer's own defaults run to minutes. */
export interface SmtpTimeouts {
  /** To open the TCP (or TLS) connection. */
  connectionTimeoutMs?: number;
  /** From the connection to the server's greeting. */
  greetingTimeoutMs?: number;
  /** Silence on an open connection, at any later step. */
  socketTimeoutMs?: number;
  /** To resolve the server's name. */
  dnsTimeoutMs?: number;
}

export const DEFAULT_SMTP_TIMEOUTS: Required<SmtpTimeouts> = {
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  socketTimeoutMs: 20_000,
  dnsTimeoutMs: 10_000,
};

/** An unquoted local part: dot-separated atoms of letters, digits, `!#$%&'*+/=?^_\`{|}~-` or any non-ASCII. */
const DOT_ATOM = /^[\w!#$%&'*+/=?^`{|}~\u{80}-\u{10ffff}-]+(\.[\w!#$%&'*+/=?^`{|}~\u{80}-\u{10ffff}-]+)*$/u;

/**
 * The address as one mailbox: a local part with any other character (a comma, a quote, a space) is quoted, so no
 * header reader or server can take it for a list of addresses or a display name.
 */
export function mailbox(address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  if (DOT_ATOM.test(local) || /^"([^"\\]|\\.)*"$/.test(local)) return address;
  return `"${local.replace(/[\\"]/g, '\\$&')}"${address.slice(at)}`;
}

/**
 * Sends booking notifications over SMTP (`SMTP_URL`, e.g. `smtp://user:pass@host:587`) with nodemailer. A server
 * that accepts the connection and then says nothing fails the send after the greeting timeout, not minutes later.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeouts: SmtpTimeouts = {},
  ) {
    const t = { ...DEFAULT_SMTP_TIMEOUTS, ...timeouts };
    // Loaded only when SMTP is configured, to keep the start-up short. The transport is built first because
    // `createTransport({ url, ... })` keeps only what the URL says and drops every other option.
    const nodemailer = require('nodemailer') as typeof import('nodemailer');
    const SMTPTransport = require('nodemailer/lib/smtp-transport') as typeof import('nodemailer/lib/smtp-transport');
    this.transport = nodemailer.createTransport(
      new SMTPTransport({
        url: smtpUrl,
        connectionTimeout: t.connectionTimeoutMs,
        greetingTimeout: t.greetingTimeoutMs,
        socketTimeout: t.socketTimeoutMs,
        dnsTimeout: t.dnsTimeoutMs,
      }),
    );
  }

  async send(mail: BookingMail): Promise<void> {
    const message = composeBookingMail(mail);
    await this.transport.sendMail({
      from: this.from,
      // One mailbox, never parsed as a list of recipients or a display name.
      to: { name: '', address: mailbox(message.to) },
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: [
        {
          filename: message.invitation.filename,
          content: message.invitation.content,
          contentType: `text/calendar; charset=utf-8; method=${message.invitation.method}`,
        },
      ],
      // Every part is a string written here: none may name a file or a URL to read.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  close(): void {
    this.transport.close();
  }
}
