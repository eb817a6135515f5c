import fc from 'fast-check';
import { isoUtc, isoUtcSeconds } from '../../src/domain/iso-time';

const MAX = 8.64e15; // the Date range

describe('isoUtc and isoUtcSeconds', () => {
  it('write exactly what Date#toISOString writes, over the whole Date range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX, max: MAX }), (ms) => {
        const expected = new Date(ms).toISOString();
        expect(isoUtc(ms)).toBe(expected);
        expect(isoUtcSeconds(ms)).toBe(expected.slice(0, -5));
      }),
      { numRuns: 20_000 },
    );
  });

  it('are right around day, year and epoch edges and in the years bookings use', () => {
    const edges = [0, -1, 1, 86_399_999, 86_400_000, -86_400_000, -86_400_001, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 0, 1), MAX, -MAX];
    const recent = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) });
    for (const ms of [...edges, ...fc.sample(recent, 5_000)]) {
      expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
      expect(isoUtcSeconds(ms)).toBe(new Date(ms).toISOString().slice(0, -5));
    }
  });

  it('handle what is not a whole millisecond as Date does, and refuse what Date refuses', () => {
    expect(isoUtc(1.7)).toBe(new Date(1.7).toISOString());
    expect(isoUtc(-1.5)).toBe(new Date(-1.5).toISOString());
    expect(isoUtcSeconds(1500.5)).toBe('1970-01-01T00:00:01');
    expect(() => isoUtc(Number.NaN)).toThrow(RangeError);
    expect(() => isoUtc(MAX + 1)).toThrow(RangeError);
    expect(() => isoUtcSeconds(-MAX - 1)).toThrow(RangeError);
  });
});
