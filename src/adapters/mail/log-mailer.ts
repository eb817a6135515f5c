import { Logger } from '../../application/ports/logger';
import { BookingMail, Mailer } from '../../application/ports/mailer';
import { summariseBookingMail } from './booking-mail-message';

/** A manage link as the log may show it: the token replaced, so a log reader cannot act as the customer. */
export function redactedLink(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]');
}

/** With `SMTP_URL` unset, booking notifications go to the log instead of a mail server. */
export class LogMailer implements Mailer {
  constructor(
    private readonly logger: Logger,
    private readonly from: string,
  ) {}

  async send(mail: BookingMail): Promise<void> {
    // Writing a line takes no I/O wait, so a run of messages would hold the event loop: waiting requests go first.
    await new Promise((resolve) => setImmediate(resolve));
    const manageUrls = mail.manageUrls && Object.fromEntries(Object.entries(mail.manageUrls).map(([id, url]) => [id, redactedLink(url)]));
    const message = summariseBookingMail({ ...mail, manageUrls });
    this.logger.info(
      { mail: { from: this.from, to: message.to, subject: message.subject, text: message.text, calendar_method: message.invitationMethod } },
      'email not sent (SMTP_URL is unset): logged instead',
    );
  }
}
