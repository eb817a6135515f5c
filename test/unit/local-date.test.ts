import { ValidationError } from '../../src/domain/errors';
import {
  addDays,
  assertDate,
  daysBetween,
  formatMinutes,
  formatMinutesWithSeconds,
  isValidDate,
  parseRequestTime,
  parseWindowTime,
  weekdayOf,
} from '../../src/domain/local-date';

describe('local dates', () => {
  it.each(['2027-12-25', '2028-02-29', '2000-02-29', '2027-01-01', '2027-12-31'])('%s is a date', (d) => {
    expect(isValidDate(d)).toBe(true);
    expect(assertDate(d)).toBe(d);
  });

  it.each([
    '2027-02-30',
    '2027-02-29',
    '1900-02-29',
    '2027-04-31',
    '2027-13-01',
    '2027-00-10',
    '2027-01-00',
    '2027-1-5',
    '27-01-05',
    '2027/01/05',
    '2027-01-05T00:00:00Z',
    ' 2027-01-05',
    '',
  ])('%p is not a date', (d) => {
    expect(isValidDate(d)).toBe(false);
    expect(() => assertDate(d, 'from')).toThrow(ValidationError);
  });

  it('names the field it refused', () => {
    expect(() => assertDate('2027-02-30', 'from')).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', details: { field: 'from' } }));
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2027-12-31', 1)).toBe('2028-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
    expect(addDays('2027-03-28', 0)).toBe('2027-03-28');
  });

  it('counts whole days between dates, negative backwards', () => {
    expect(daysBetween('2027-01-01', '2028-01-01')).toBe(365);
    expect(daysBetween('2028-01-01', '2029-01-01')).toBe(366);
    expect(daysBetween('2027-03-10', '2027-03-09')).toBe(-1);
    // A daylight-saving weekend is still one day per date.
    expect(daysBetween('2027-03-27', '2027-03-29')).toBe(2);
  });

  it.each([
    ['2027-12-25', 'sat'],
    ['2027-12-27', 'mon'],
    ['2028-02-29', 'tue'],
    ['1970-01-01', 'thu'],
    ['1969-12-31', 'wed'],
    ['2027-03-28', 'sun'],
  ])('%s is a %s', (date, day) => {
    expect(weekdayOf(date)).toBe(day);
  });
});

describe('request times', () => {
  it.each([
    ['00:00', 0],
    ['14:30', 870],
    ['14:30:00', 870],
    ['23:59', 1439],
    ['09:05:00', 545],
  ])('%s is minute %i', (text, minute) => {
    expect(parseRequestTime(text)).toBe(minute);
  });

  it.each(['25:00', '24:00', '24:00:00', '23:60', '9:00', '14:3', '14:30:5', 'noon', '', '14-30', '14:30:00Z', ' 14:30'])('%p is refused', (text) => {
    expect(() => parseRequestTime(text)).toThrow(ValidationError);
  });

  it('refuses non-zero seconds, saying why', () => {
    expect(() => parseRequestTime('14:30:15')).toThrow(/:00 seconds/);
    expect(() => parseRequestTime('14:30:59', 'start')).toThrow(expect.objectContaining({ details: { field: 'start' } }));
  });
});

describe('schedule window times', () => {
  it('allows 24:00 as an end and nothing past it', () => {
    expect(parseWindowTime('24:00')).toBe(1440);
    expect(parseWindowTime('00:00')).toBe(0);
    expect(parseWindowTime('17:30')).toBe(1050);
    expect(parseWindowTime('24:30')).toBeNull();
    expect(parseWindowTime('25:00')).toBeNull();
    expect(parseWindowTime('17:30:00')).toBeNull();
    expect(parseWindowTime('7:30')).toBeNull();
  });

  it('formats minutes back, 1440 as 24:00', () => {
    expect(formatMinutes(0)).toBe('00:00');
    expect(formatMinutes(545)).toBe('09:05');
    expect(formatMinutes(1440)).toBe('24:00');
    expect(formatMinutesWithSeconds(870)).toBe('14:30:00');
    expect(formatMinutesWithSeconds(1440)).toBe('24:00:00');
  });
});
