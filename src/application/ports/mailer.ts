import { BookingEventType } from '../../domain/booking';
import { BookingView } from '../views';
import { RecipientRole } from './outbox';

/** A provider as a message names it. */
export interface MailProvider {
  id: number;
  name: string;
  email: string;
  timezone: string;
}

/** One notification about a change to a booking, for one recipient. */
export interface BookingMail {
  to: string;
  role: RecipientRole;
  eventId: number;
  type: BookingEventType;
  /** The event's instant. */
  at: number;
  /** The booking as it became. */
  booking: BookingView;
  /** What changed, as `[old, new]` per field. */
  changes: Record<string, [unknown, unknown]>;
  /** The provider the message is for (a provider's or former provider's message), else the booking's first provider. */
  provider: MailProvider;
  /** Every provider the booking takes, in pool order (known ones only). */
  providers: MailProvider[];
  /**
   * A new series, told in one message: every occurrence (for a provider, those it takes), in date order. Absent for
   * a message about one booking.
   */
  occurrences?: BookingView[];
  /** The customer's manage page of each booking the message is about, by booking id: customers' messages only. */
  manageUrls?: Record<number, string>;
}

export interface Mailer {
  /**
   * Sends the message (text, HTML and an iCalendar attachment); throws when it was not accepted. Settles within
   * the adapter's deadlines (connection, greeting, idle socket), however the server behaves.
   */
  send(mail: BookingMail): Promise<void>;
}
