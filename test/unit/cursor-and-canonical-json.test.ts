import { decodeCursor, encodeCursor } from '../../src/application/cursor';
import { canonicalJson } from '../../src/application/idempotency';
import { ValidationError } from '../../src/domain/errors';

describe('keyset cursors', () => {
  const scope = 'bookings|1||||active';

  it('round-trips a position in its own scope', () => {
    const cursor = encodeCursor([1_829_000_000_000, 42], scope);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, scope, ['number', 'number'])).toEqual([1_829_000_000_000, 42]);
  });

  it('refuses a cursor made for another query', () => {
    const cursor = encodeCursor([1, 2], scope);
    expect(() => decodeCursor(cursor, 'bookings|2||||active', ['number', 'number'])).toThrow(ValidationError);
    expect(() => decodeCursor(cursor, 'providers', ['number'])).toThrow(ValidationError);
  });

  it('refuses a tampered cursor', () => {
    const cursor = encodeCursor([1_829_000_000_000, 42], scope);
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    const forged = Buffer.from(text.replace('42', '43')).toString('base64url');
    expect(() => decodeCursor(forged, scope, ['number', 'number'])).toThrow(ValidationError);

    const flipped = cursor.slice(0, 3) + (cursor[3] === 'A' ? 'B' : 'A') + cursor.slice(4);
    expect(() => decodeCursor(flipped, scope, ['number', 'number'])).toThrow(ValidationError);
  });

  it('refuses positions of the wrong shape even with a valid checksum', () => {
    expect(() => decodeCursor(encodeCursor([1], scope), scope, ['number', 'number'])).toThrow(ValidationError);
    expect(() => decodeCursor(encodeCursor(['1', 2], scope), scope, ['number', 'number'])).toThrow(ValidationError);
    expect(() => decodeCursor(encodeCursor([1.5, 2], scope), scope, ['number', 'number'])).toThrow(ValidationError);
    expect(() => decodeCursor(encodeCursor([2 ** 60, 2], scope), scope, ['number', 'number'])).toThrow(ValidationError);
  });

  it.each(['', 'not a cursor', '!!!!', 'a'.repeat(513), Buffer.from('no-bar-here').toString('base64url')])('refuses %p', (cursor) => {
    expect(() => decodeCursor(cursor, scope, ['number', 'number'])).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', details: { field: 'cursor' } }),
    );
  });
});

describe('canonicalJson', () => {
  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('drops undefined but keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson({ a: undefined })).toBe(canonicalJson({}));
  });

  it('keeps array order and types apart', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: [] })).not.toBe(canonicalJson({ a: {} }));
  });

  it('escapes keys and strings as JSON does', () => {
    const value = { 'we"ird': 'line\nbreak', ü: 'ö' };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});
