import { ValidationError } from '../domain/errors';

/** FNV-1a, enough to notice a tampered or mismatched cursor (cursors grant nothing: filters are re-applied). */
function checksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** Encodes a keyset position, bound to the query it came from, as an opaque url-safe string. */
export function encodeCursor(position: (string | number)[], scope: string): string {
  const body = JSON.stringify(position);
  return Buffer.from(`${body}|${checksum(`${body}|${scope}`)}`).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` for the same scope; throws ValidationError for anything else. */
export function decodeCursor(cursor: string, scope: string, shape: ('string' | 'number')[]): (string | number)[] {
  const invalid = () => new ValidationError('cursor is invalid; use next_cursor from a previous page of the same query', { field: 'cursor' });
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.lastIndexOf('|');
  if (bar < 0) throw invalid();
  const body = text.slice(0, bar);
  if (checksum(`${body}|${scope}`) !== text.slice(bar + 1)) throw invalid();
  let position: unknown;
  try {
    position = JSON.parse(body);
  } catch {
    throw invalid();
  }
  if (!Array.isArray(position) || position.length !== shape.length) throw invalid();
  position.forEach((v, i) => {
    if (typeof v !== shape[i] || (typeof v === 'number' && !Number.isSafeInteger(v))) throw invalid();
  });
  return position as (string | number)[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
