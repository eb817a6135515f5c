import { Actor, canSeeBooking, isAdmin } from '../domain/actor';
import { Booking } from '../domain/booking';
import { BookingNotFoundError, ForbiddenError } from '../domain/errors';

export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new ForbiddenError();
}

/** A booking the actor may not see is reported exactly like a missing one. */
export function visibleBooking(actor: Actor, booking: Booking | null): Booking {
  if (!booking || !canSeeBooking(actor, booking)) throw new BookingNotFoundError();
  return booking;
}
