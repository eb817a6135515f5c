import { BookingChanges, BookingEventType } from '../../domain/booking';
import { BookingView } from '../views';

export interface BookingEvent {
  id: number;
  type: BookingEventType;
  at: number;
  /** The API key that made the change; null for in-process callers. */
  actor: number | null;
  bookingId: number;
  providerId: number;
  /** The API key that owns the booking, for visibility. */
  bookingOwner: number | null;
  changes: BookingChanges;
  /** The booking as it became. */
  booking: BookingView;
}

export type NewBookingEvent = Omit<BookingEvent, 'id'>;

export interface BookingEventLog {
  /**
   * Appends an event inside the current transaction. Ids rise in commit order, so a reader polling with the
   * last id it saw misses nothing. Call it last in a transaction: it may serialise committers.
   */
  append(event: NewBookingEvent): Promise<BookingEvent>;
  /** Up to `limit` events with an id above `afterId`, in id order; only those of `owner`'s bookings when given. */
  listAfter(afterId: number, limit: number, owner?: number): Promise<BookingEvent[]>;
  /** One booking's events, oldest first. */
  historyOf(bookingId: number): Promise<BookingEvent[]>;
}
