import { Booking, BookingStatus } from '../../domain/booking';
import { OccupiedSpan } from '../../domain/booking-policy';

export type NewBooking = Omit<Booking, 'id'>;

export interface BookingQuery {
  providerId?: number;
  /** Only bookings created by this API key. */
  createdBy?: number;
  /** Inclusive provider-local dates. */
  fromDate?: string;
  toDate?: string;
  status: BookingStatus | 'all';
  /** Keyset position: bookings strictly after this `(startsAt, id)`. */
  after?: { startsAt: number; id: number };
  limit: number;
}

export interface BookingRepository {
  /** Stores a new booking; throws SlotUnavailableError when its widened span overlaps another active booking's. */
  insert(booking: NewBooking): Promise<Booking>;
  /** The booking, cancelled ones included, or null. */
  getById(id: number): Promise<Booking | null>;
  /** Like getById, and locks the booking against concurrent changes until the transaction ends. */
  getForUpdate(id: number): Promise<Booking | null>;
  /**
   * Writes a changed booking whose `version` is one above the stored one; throws VersionMismatchError when the
   * stored version moved on, SlotUnavailableError when the new widened span overlaps another active booking's.
   */
  update(booking: Booking): Promise<Booking>;
  /** The provider's active bookings whose widened span overlaps `[from, to)`, sorted by span start. */
  findOccupied(providerId: number, from: number, to: number, excludeId?: number): Promise<OccupiedSpan[]>;
  /** A page of bookings in `(startsAt, id)` order. */
  list(query: BookingQuery): Promise<Booking[]>;
}
