import { BookingEvent, BookingEventLog, NewBookingEvent } from '../../application/ports/booking-event-log';
import { InMemoryState } from './in-memory-state';

export class InMemoryBookingEventLog implements BookingEventLog {
  constructor(private readonly state: InMemoryState) {}

  async append(event: NewBookingEvent): Promise<BookingEvent> {
    const stored = { ...structuredClone(event), id: ++this.state.sequences.event };
    this.state.events = [...this.state.events, stored];
    return structuredClone(stored);
  }

  async listAfter(afterId: number, limit: number, owner?: number): Promise<BookingEvent[]> {
    return this.state.events
      .filter((e) => e.id > afterId && (owner === undefined || e.bookingOwner === owner))
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async historyOf(bookingId: number): Promise<BookingEvent[]> {
    return this.state.events.filter((e) => e.bookingId === bookingId).map((e) => structuredClone(e));
  }
}
