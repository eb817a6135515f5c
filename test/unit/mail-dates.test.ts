import fc from 'fast-check';
import { DateTime } from 'luxon';
import { longDate } from '../../src/adapters/mail/booking-mail-message';

describe('longDate in booking emails', () => {
  it('names the day as Luxon does in en-GB, for any date from 1900 to 2200', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const date = d.toISOString().slice(0, 10);
        expect(longDate(date)).toBe(DateTime.fromISO(date, { zone: 'UTC' }).setLocale('en-GB').toFormat('cccc, d LLLL yyyy'));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a leap day and the first of a month without padding', () => {
    expect(longDate('2028-02-29')).toBe('Tuesday, 29 February 2028');
    expect(longDate('2027-12-01')).toBe('Wednesday, 1 December 2027');
  });
});
