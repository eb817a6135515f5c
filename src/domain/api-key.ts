import { Role } from './actor';
import { ValidationError } from './errors';

export interface ApiKey {
  id: number;
  name: string;
  role: Role;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export const ROLES: readonly Role[] = ['admin', 'client'];

/** A key opens the API while it is neither revoked nor expired. */
export function isKeyActive(key: ApiKey, now: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}

export function validateNewKey(input: { name: string; role: string; expiresAt?: number | null }, now: number): void {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw new ValidationError('name must be 1 to 200 characters', { field: 'name' });
  if (!(ROLES as readonly string[]).includes(input.role)) throw new ValidationError('role must be admin or client', { field: 'role' });
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    if (!Number.isFinite(input.expiresAt)) throw new ValidationError('expires_at must be an ISO 8601 instant', { field: 'expires_at' });
    if (input.expiresAt <= now) throw new ValidationError('expires_at must be in the future', { field: 'expires_at' });
  }
}
