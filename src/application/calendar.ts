import { CalendarContext, instantRangeOfDates, PlacedSpan, placeBooking } from '../domain/booking-policy';
import { Provider } from '../domain/provider';
import { TimeZones } from '../domain/time-zones';
import { Repositories } from './ports/unit-of-work';

const BUFFER_MARGIN_MS = 240 * 60_000;

/**
 * Judges a booking of `provider` at a local date and time against its schedule and the other active bookings
 * of that day, inside the caller's transaction. Throws the first rule it breaks.
 */
export async function placeOnCalendar(
  repos: Repositories,
  zones: TimeZones,
  provider: Provider,
  now: number,
  slot: { date: string; startMinute: number; durationMinutes: number },
  excludeBookingId?: number,
): Promise<PlacedSpan> {
  const schedule = await repos.schedules.get(provider.id);
  const range = instantRangeOfDates(slot.date, slot.date);
  const occupied = await repos.bookings.findOccupied(
    provider.id,
    range.start - BUFFER_MARGIN_MS,
    range.end + BUFFER_MARGIN_MS,
    excludeBookingId,
  );
  const ctx: CalendarContext = { zones, timezone: provider.timezone, schedule, now };
  return placeBooking(ctx, slot.date, slot.startMinute, slot.durationMinutes, occupied);
}
