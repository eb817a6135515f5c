import { BookingQuery, BookingRepository, EventRecord, NewBooking, StoredView, WriteBasis } from '../../application/ports/booking-repository';
import { BookingView, viewJson } from '../../application/views';
import { Booking, isOccupying } from '../../domain/booking';
import { HoldExpiredError } from '../../domain/errors';
import { Placement } from '../../domain/occupancy';
import { StaleDecisionError } from '../../application/ports/unit-of-work';
import { assertRevisions, moveLanesIn, occupy } from './in-memory-agenda-repository';
import { InMemoryState } from './in-memory-state';

export class InMemoryBookingRepository implements BookingRepository {
  constructor(
    private readonly state: InMemoryState,
    /** Inside a unit of work, which undoes everything on failure. */
    private readonly inUnitOfWork = false,
  ) {}

  /** A write is whole or nothing, inside a unit of work (which undoes it) or not (undone here). */
  private atomically<T>(write: () => T): T {
    if (this.inUnitOfWork) return write();
    const before = this.state.snapshot();
    try {
      return write();
    } catch (error) {
      this.state.restore(before);
      throw error;
    }
  }

  private record(booking: Booking, event: EventRecord, view: Omit<BookingView, 'id'>): void {
    const json = viewJson(booking.id, view);
    this.state.views.set(booking.id, json);
    const id = ++this.state.sequences.event;
    this.state.events = [
      ...this.state.events,
      {
        id,
        type: event.type,
        at: event.at,
        actor: event.actor,
        bookingId: booking.id,
        providerId: booking.providerId,
        providerIds: [...booking.providerIds],
        bookingOwner: booking.createdBy,
        changes: structuredClone(event.changes),
        booking: JSON.parse(json) as BookingView,
      },
    ];
  }

  async create(booking: NewBooking, placements: readonly Placement[], event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): Promise<number> {
    return this.atomically(() => this.createNow(booking, placements, event, view, basis));
  }

  private createNow(booking: NewBooking, placements: readonly Placement[], event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): number {
    assertRevisions(this.state, basis.revisions);
    moveLanesIn(this.state, basis.laneChanges ?? [], basis.expired);
    const stored: Booking = { ...structuredClone(booking), id: ++this.state.sequences.booking };
    occupy(this.state, placements, { bookingId: stored.id, holdId: null, expiresAt: null }, stored.startsAt);
    this.state.bookings.set(stored.id, stored);
    this.record(stored, event, view);
    return stored.id;
  }

  async update(booking: Booking, placements: readonly Placement[] | null, event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): Promise<void> {
    this.atomically(() => this.updateNow(booking, placements, event, view, basis));
  }

  private updateNow(booking: Booking, placements: readonly Placement[] | null, event: EventRecord, view: Omit<BookingView, 'id'>, basis: WriteBasis): void {
    const current = this.state.bookings.get(booking.id);
    if (!current || current.version !== booking.version - 1) throw new StaleDecisionError('the booking changed');
    if (placements !== null && isOccupying(booking.status)) {
      for (const o of [...this.state.occupancies.values()]) if (o.bookingId === booking.id) this.state.occupancies.delete(o.id);
      assertRevisions(this.state, basis.revisions);
      moveLanesIn(this.state, basis.laneChanges ?? [], basis.expired);
      occupy(this.state, placements, { bookingId: booking.id, holdId: null, expiresAt: null }, booking.startsAt);
    } else if (!isOccupying(booking.status)) {
      for (const o of this.state.occupancies.values()) {
        if (o.bookingId === booking.id && o.status === 'occupying') this.state.occupancies.set(o.id, { ...o, status: 'released' });
      }
    }
    const stored = { ...structuredClone(booking), createdAt: current.createdAt, createdBy: current.createdBy, manageTokenHash: current.manageTokenHash };
    this.state.bookings.set(booking.id, stored);
    this.record(stored, event, view);
  }

  async createFromHold(holdId: number, now: number, booking: NewBooking, event: EventRecord, view: Omit<BookingView, 'id'>): Promise<number> {
    const hold = this.state.holds.get(holdId);
    if (!hold || hold.status !== 'live' || hold.expiresAt <= now) throw new HoldExpiredError();
    // A writer with a later clock may have released the hold's lanes as expired: then it ended as expired.
    const held = [...this.state.occupancies.values()].filter((o) => o.holdId === holdId && o.status === 'occupying');
    if (held.length !== booking.providerIds.length) throw new HoldExpiredError();
    this.state.holds.set(holdId, { ...hold, status: 'converted' });
    const stored: Booking = { ...structuredClone(booking), id: ++this.state.sequences.booking };
    this.state.bookings.set(stored.id, stored);
    for (const o of held) this.state.occupancies.set(o.id, { ...o, holdId: null, bookingId: stored.id, expiresAt: null });
    this.record(stored, event, view);
    return stored.id;
  }

  async getById(id: number): Promise<Booking | null> {
    const b = this.state.bookings.get(id);
    return b ? structuredClone(b) : null;
  }

  getForUpdate(id: number): Promise<Booking | null> {
    return this.getById(id);
  }

  private matching(q: BookingQuery): Booking[] {
    const ofProvider = (b: Booking) =>
      [...this.state.occupancies.values()].some((o) => o.bookingId === b.id && o.providerId === q.providerId);
    return [...this.state.bookings.values()]
      .filter(
        (b) =>
          (q.providerId === undefined || ofProvider(b)) &&
          (q.serviceId === undefined || b.serviceId === q.serviceId) &&
          (q.seriesId === undefined || b.seriesId === q.seriesId) &&
          (q.createdBy === undefined || b.createdBy === q.createdBy) &&
          (q.status === 'all' || b.status === q.status) &&
          (q.fromDate === undefined || b.date >= q.fromDate) &&
          (q.toDate === undefined || b.date <= q.toDate) &&
          (!q.after || b.startsAt > q.after.startsAt || (b.startsAt === q.after.startsAt && b.id > q.after.id)),
      )
      .sort((a, b) => a.startsAt - b.startsAt || a.id - b.id)
      .slice(0, q.limit);
  }

  async list(q: BookingQuery): Promise<Booking[]> {
    return this.matching(q).map((b) => structuredClone(b));
  }

  async listViews(q: BookingQuery): Promise<StoredView[]> {
    return this.matching(q).map((b) => ({ id: b.id, startsAt: b.startsAt, json: this.state.views.get(b.id)! }));
  }
}
