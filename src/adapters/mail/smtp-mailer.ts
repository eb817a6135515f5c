import type { Transporter } from 'nodemailer';
import { BookingMail, Mailer } from '../../application/ports/mailer';
import { composeBookingMail } from './booking-mail-message';

/** Sends booking notifications over SMTP (`SMTP_URL`, e.g. `smtp://user:pass@host:587`) with nodemailer. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // Loaded only when SMTP is configured, to keep the start-up short.
    const nodemailer = require('nodemailer') as typeof import('nodemailer');
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(mail: BookingMail): Promise<void> {
    const message = composeBookingMail(mail);
    await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: [
        {
          filename: message.calendar.filename,
          content: message.calendar.content,
          contentType: `text/calendar; charset=utf-8; method=${message.calendar.method}`,
        },
      ],
    });
  }

  close(): void {
    this.transport.close();
  }
}
