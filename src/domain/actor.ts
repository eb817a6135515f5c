export type Role = 'admin' | 'client';

/** Who is calling: the API key's identity and role. `keyId` is null for trusted in-process callers. */
export interface Actor {
  keyId: number | null;
  role: Role;
}

/** A trusted in-process caller with every right, for library use and tooling. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ keyId: null, role: 'admin' as const });

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'admin';
}

/** Admins see every booking; a client sees only the ones it created. */
export function canSeeBooking(actor: Actor, createdBy: number | null): boolean {
  return actor.role === 'admin' || (actor.keyId !== null && createdBy === actor.keyId);
}
