import { runInNewContext } from 'node:vm';
import { isOverlapViolation, isUnavailable, isUniqueViolation } from '../../src/adapters/persistence/kysely-errors';

describe('driver error recognition', () => {
  // better-sqlite3 may hand out errors built in another realm (another module instance loaded its addon first).
  const foreign = (message: string, code: string): unknown => runInNewContext('Object.assign(new Error(message), { code })', { message, code });

  it('recognises an overlap refusal from either database, whatever realm built the error', () => {
    const sqlite = foreign('SLOT_UNAVAILABLE', 'SQLITE_CONSTRAINT_TRIGGER');
    expect(sqlite instanceof Error).toBe(false);
    expect(isOverlapViolation(sqlite)).toBe(true);
    expect(isOverlapViolation(Object.assign(new Error('conflicting key value violates exclusion constraint'), { code: '23P01' }))).toBe(true);
  });

  it('recognises a lane above the provider’s capacity from either database as the same rule', () => {
    const sqlite = foreign('LANE_ABOVE_CAPACITY', 'SQLITE_CONSTRAINT_TRIGGER');
    expect(isOverlapViolation(sqlite)).toBe(true);
    expect(isOverlapViolation(Object.assign(new Error('lane 3 is above the capacity of provider 7'), { code: '23514' }))).toBe(true);
    expect(isOverlapViolation(Object.assign(new Error('new row violates check constraint "bookings_span_valid"'), { code: '23514' }))).toBe(false);
  });

  it('does not take other failures for an overlap', () => {
    expect(isOverlapViolation(foreign('UNIQUE constraint failed: providers.email_key', 'SQLITE_CONSTRAINT_UNIQUE'))).toBe(false);
    expect(isOverlapViolation(new Error('SLOT_UNAVAILABLE mentioned in some unrelated failure'))).toBe(false);
    expect(isOverlapViolation(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isOverlapViolation(null)).toBe(false);
    expect(isOverlapViolation('SLOT_UNAVAILABLE')).toBe(false);
  });

  it('recognises a unique violation from either database', () => {
    expect(isUniqueViolation(foreign('UNIQUE constraint failed: providers.email_key', 'SQLITE_CONSTRAINT_UNIQUE'))).toBe(true);
    expect(isUniqueViolation(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(true);
    expect(isUniqueViolation(foreign('FOREIGN KEY constraint failed', 'SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe(false);
  });

  it('recognises a database that cannot do the work now, from either driver', () => {
    const coded = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
    for (const code of ['08006', '08001', '57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
      expect([code, isUnavailable(coded(code))]).toEqual([code, true]);
    }
    expect(isUnavailable(foreign('database is locked', 'SQLITE_BUSY'))).toBe(true);
    expect(isUnavailable(foreign('database or disk is full', 'SQLITE_FULL'))).toBe(true);
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isUnavailable(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]))).toBe(true);
  });

  it('does not take a refusal of the work itself for an unavailable database', () => {
    expect(isUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isUnavailable(Object.assign(new Error('could not serialize'), { code: '40001' }))).toBe(false);
    expect(isUnavailable(foreign('SLOT_UNAVAILABLE', 'SQLITE_CONSTRAINT_TRIGGER'))).toBe(false);
    expect(isUnavailable(new Error('Connection to the mail server terminated'))).toBe(false);
    expect(isUnavailable(new AggregateError([]))).toBe(false);
    expect(isUnavailable(null)).toBe(false);
  });
});
