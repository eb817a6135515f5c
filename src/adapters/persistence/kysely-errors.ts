/** Driver error recognition for both databases, so repositories can raise domain errors instead. */
function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

// Duck-typed, not `instanceof Error`: better-sqlite3 builds its errors with the SqliteError class of whichever
// module instance loaded the native addon first, so under a module sandbox (jest) they need not be this realm's Errors.
function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : '';
}

/**
 * The lane rule fired: two occupancies overlapping on one lane (Postgres exclusion constraint, SQLite trigger), or a
 * lane above the provider's capacity (the capacity triggers), which a write judged against an older capacity meets.
 */
export function isOverlapViolation(error: unknown): boolean {
  const code = codeOf(error);
  const message = messageOf(error);
  if (code === '23P01' || (code === '23514' && message.includes('above the capacity'))) return true;
  return code?.startsWith('SQLITE_CONSTRAINT') === true && (message.includes('SLOT_UNAVAILABLE') || message.includes('LANE_ABOVE_CAPACITY'));
}

export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

// SQLSTATE: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53100 disk_full,
// 53300 too_many_connections; class 08 is every connection exception.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53100', '53300']);
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// node-postgres reports a lost or never-made connection without a code, only with one of these messages.
const PG_CONNECTION_MESSAGE = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/**
 * The database could not do the work for now, whatever the work was: unreachable, shutting down or restarting,
 * the connection cut, a pool connect timeout, too many connections, the disk full, or SQLite's lock still held by
 * another process after the busy timeout. A retry later may succeed.
 */
export function isUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code === undefined) {
    // Node reports a failed connect to a name with several addresses as an AggregateError of the attempts.
    const attempts = typeof error === 'object' && error !== null && 'errors' in error ? (error as { errors: unknown }).errors : undefined;
    if (Array.isArray(attempts) && attempts.length > 0) return attempts.every(isUnavailable);
    return PG_CONNECTION_MESSAGE.test(messageOf(error));
  }
  return (
    /^08[0-9A-Z]{3}$/.test(code) ||
    UNAVAILABLE_SQLSTATES.has(code) ||
    UNAVAILABLE_SOCKET_CODES.has(code) ||
    code.startsWith('SQLITE_BUSY') ||
    code === 'SQLITE_FULL'
  );
}
