/** The roles of API keys. */
export type Role = 'admin' | 'client';

/**
 * Who is calling: an API key's identity and role (`keyId` is null for trusted in-process callers), or the customer of
 * one booking, who proved it with the booking's manage token.
 */
export type Actor = { keyId: number | null; role: Role } | { keyId: null; role: 'customer'; bookingId: number };

/** A trusted in-process caller with every right, for library use and tooling. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ keyId: null, role: 'admin' as const });

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'admin';
}

/** Admins see every booking; a client sees only the ones it created; a customer only the booking it holds the token of. */
export function canSeeBooking(actor: Actor, booking: { id: number; createdBy: number | null }): boolean {
  if (actor.role === 'admin') return true;
  if (actor.role === 'customer') return actor.bookingId === booking.id;
  return actor.keyId !== null && booking.createdBy === actor.keyId;
}

/** Clients and customers are bound by change policies; admins are not. */
export function isBoundByChangePolicy(actor: Actor): boolean {
  return actor.role !== 'admin';
}
