import { BookingChanges, BookingEventType } from '../../domain/booking';
import { BookingView } from '../views';
import { EventActor } from './booking-repository';

export interface BookingEvent {
  /** Its position in the feed: ids rise in the order events become visible there, so a poller misses none. */
  id: number;
  type: BookingEventType;
  at: number;
  actor: EventActor;
  bookingId: number;
  providerId: number;
  /** The providers the booking takes, as it became. */
  providerIds: number[];
  /** The API key that owns the booking, for visibility. */
  bookingOwner: number | null;
  changes: BookingChanges;
  /** The booking as it became. */
  booking: BookingView;
}

export interface BookingEventLog {
  /**
   * Gives every committed event not yet in the feed its position, after all positions given so far. Events are
   * written with their change, whatever else commits meanwhile; this orders them afterwards, so that writers never
   * wait on each other for the feed's sake. Readers of the feed call it first.
   */
  publish(): Promise<void>;
  /** Up to `limit` events of the feed after position `afterId`, in order; only those of `owner`'s bookings when given. */
  listAfter(afterId: number, limit: number, owner?: number): Promise<BookingEvent[]>;
  /** One booking's events, oldest first (whether or not they are in the feed yet). */
  historyOf(bookingId: number): Promise<Omit<BookingEvent, 'id'>[]>;
}
