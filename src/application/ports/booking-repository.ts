import { Booking, BookingChanges, BookingEventType, BookingStatus } from '../../domain/booking';
import { LaneChange, Placement } from '../../domain/occupancy';
import { BookingView } from '../views';

export type NewBooking = Omit<Booking, 'id'>;

export interface BookingQuery {
  /** Bookings that take this provider (any of `providerIds`). */
  providerId?: number;
  serviceId?: number;
  seriesId?: number;
  /** Only bookings created by this API key. */
  createdBy?: number;
  /** Inclusive local dates, each booking's own. */
  fromDate?: string;
  toDate?: string;
  status: BookingStatus | 'all';
  /** Keyset position: bookings strictly after this `(startsAt, id)`. */
  after?: { startsAt: number; id: number };
  limit: number;
}

/** A booking as the API shows it, as stored: JSON text of its `BookingView`, with its keyset position. */
export interface StoredView {
  id: number;
  startsAt: number;
  json: string;
}

/** Who made a change: an API key (its id), a trusted in-process caller (null), or the booking's customer. */
export type EventActor = number | null | 'customer';

/** The event a write records, in the same transaction as the change. */
export interface EventRecord {
  type: BookingEventType;
  at: number;
  actor: EventActor;
  changes: BookingChanges;
}

/** What a decision relied on, checked when it is written. */
export interface WriteBasis {
  /** Revisions of the providers' rules the decision was judged against. */
  revisions: ReadonlyMap<number, number>;
  /** Occupancies of expired holds in the way: released by the write. */
  expired: readonly number[];
  /** Other occupancies to move to another lane first (only inside `UnitOfWork.run`, which locks the providers). */
  laneChanges?: readonly LaneChange[];
}

export interface BookingRepository {
  /**
   * Stores a new booking with its occupancy of each provider, its event and its view, at once; returns its id.
   * Throws `StaleDecisionError` when the basis no longer holds: a provider's rules changed, or a lane was taken.
   */
  create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): Promise<number>;
  /**
   * Writes a changed booking whose `version` is one above the stored one, with its event and view (inside
   * `UnitOfWork.run`, after `getForUpdate`). `placements` replace its occupancies; null keeps them; the occupancies of
   * a booking that stops occupying are released. Throws `StaleDecisionError` when the stored version moved on or, like
   * `create`, when the basis no longer holds.
   */
  update(booking: Booking, placements: readonly Placement[] | null, event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): Promise<void>;
  /**
   * Turns a live hold into this booking: the hold's occupancies become the booking's, the hold ends as converted.
   * Throws `HoldExpiredError` when the hold is no longer live at `now`.
   */
  createFromHold(holdId: number, now: number, booking: NewBooking, event: EventRecord, view: Omit<BookingView, 'id'>): Promise<number>;
  /** The booking, cancelled ones included, or null. */
  getById(id: number): Promise<Booking | null>;
  /** Like getById; inside `UnitOfWork.run` it also locks the booking until the transaction ends. */
  getForUpdate(id: number): Promise<Booking | null>;
  /** A page of bookings in `(startsAt, id)` order. */
  list(query: BookingQuery): Promise<Booking[]>;
  /** The same page, as the stored views. */
  listViews(query: BookingQuery): Promise<StoredView[]>;
}
