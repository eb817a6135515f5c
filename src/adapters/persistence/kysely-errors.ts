/** Driver error recognition for both databases, so repositories can raise domain errors instead. */
function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

// Duck-typed, not `instanceof Error`: better-sqlite3 builds its errors with the SqliteError class of whichever
// module instance loaded the native addon first, so under a module sandbox (jest) they need not be this realm's Errors.
function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : '';
}

/** The no-overlap rule fired: Postgres exclusion constraint, or the SQLite trigger. */
export function isOverlapViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23P01' || (code?.startsWith('SQLITE_CONSTRAINT') === true && messageOf(error).includes('SLOT_UNAVAILABLE'));
}

export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
