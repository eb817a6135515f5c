import { BookingQuery, BookingRepository, NewBooking } from '../../application/ports/booking-repository';
import { Booking } from '../../domain/booking';
import { OccupiedSpan } from '../../domain/booking-policy';
import { SlotUnavailableError, VersionMismatchError } from '../../domain/errors';
import { InMemoryState } from './in-memory-state';

export class InMemoryBookingRepository implements BookingRepository {
  constructor(private readonly state: InMemoryState) {}

  /** The same rule the databases enforce: active widened spans of one provider never overlap. */
  private assertFree(b: Booking | NewBooking, selfId?: number): void {
    if (b.status !== 'active') return;
    for (const o of this.state.bookings.values()) {
      if (o.id !== selfId && o.providerId === b.providerId && o.status === 'active' && o.blockStart < b.blockEnd && b.blockStart < o.blockEnd) {
        throw new SlotUnavailableError();
      }
    }
  }

  async insert(booking: NewBooking): Promise<Booking> {
    this.assertFree(booking);
    const stored = { ...booking, id: ++this.state.sequences.booking };
    this.state.bookings.set(stored.id, stored);
    return { ...stored };
  }

  async getById(id: number): Promise<Booking | null> {
    const b = this.state.bookings.get(id);
    return b ? { ...b } : null;
  }

  getForUpdate(id: number): Promise<Booking | null> {
    return this.getById(id);
  }

  async update(booking: Booking): Promise<Booking> {
    const current = this.state.bookings.get(booking.id);
    if (!current || current.version !== booking.version - 1) throw new VersionMismatchError(current?.version ?? booking.version);
    this.assertFree(booking, booking.id);
    const stored = { ...booking, providerId: current.providerId, createdAt: current.createdAt, createdBy: current.createdBy };
    this.state.bookings.set(booking.id, stored);
    return { ...stored };
  }

  async findOccupied(providerId: number, from: number, to: number, excludeId?: number): Promise<OccupiedSpan[]> {
    return [...this.state.bookings.values()]
      .filter((b) => b.providerId === providerId && b.status === 'active' && b.id !== excludeId && b.blockStart < to && b.blockEnd > from)
      .sort((a, b) => a.blockStart - b.blockStart)
      .map((b) => ({ id: b.id, blockStart: b.blockStart, blockEnd: b.blockEnd }));
  }

  async list(q: BookingQuery): Promise<Booking[]> {
    return [...this.state.bookings.values()]
      .filter(
        (b) =>
          (q.providerId === undefined || b.providerId === q.providerId) &&
          (q.createdBy === undefined || b.createdBy === q.createdBy) &&
          (q.status === 'all' || b.status === q.status) &&
          (q.fromDate === undefined || b.date >= q.fromDate) &&
          (q.toDate === undefined || b.date <= q.toDate) &&
          (!q.after || b.startsAt > q.after.startsAt || (b.startsAt === q.after.startsAt && b.id > q.after.id)),
      )
      .sort((a, b) => a.startsAt - b.startsAt || a.id - b.id)
      .slice(0, q.limit)
      .map((b) => ({ ...b }));
  }
}
