import { BookingEventType } from '../../domain/booking';
import { BookingView } from '../views';
import { RecipientRole } from './outbox';

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
  provider: { id: number; name: string; email: string; timezone: string };
}

export interface Mailer {
  /**
   * Sends the message (text, HTML and an iCalendar attachment); throws when it was not accepted. Settles within
   * the adapter's deadlines (connection, greeting, idle socket), however the server behaves.
   */
  send(mail: BookingMail): Promise<void>;
}
