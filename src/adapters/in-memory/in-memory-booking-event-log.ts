import { BookingEvent, BookingEventLog } from '../../application/ports/booking-event-log';
import { InMemoryState } from './in-memory-state';

/** Events in memory: units of work run one at a time, so ids rise in commit order and are the positions. */
export class InMemoryBookingEventLog implements BookingEventLog {
  constructor(private readonly state: InMemoryState) {}

  async publish(): Promise<void> {}

  async listAfter(afterId: number, limit: number, owner?: number): Promise<BookingEvent[]> {
    return this.state.events
      .filter((e) => e.id > afterId && (owner === undefined || e.bookingOwner === owner))
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async historyOf(bookingId: number): Promise<Omit<BookingEvent, 'id'>[]> {
    return this.state.events.filter((e) => e.bookingId === bookingId).map((e) => structuredClone(e));
  }
}
