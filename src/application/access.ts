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

/** Compares in time independent of where the strings differ, so a token cannot be guessed character by character. */
export function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (given.charCodeAt(i) || 0);
  return diff === 0;
}
