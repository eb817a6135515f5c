import { ValidationError } from '../../src/domain/errors';
import { Schedule, windowsFor } from '../../src/domain/schedule';

describe('Schedule.parse', () => {
  it('sorts windows, fills the defaults and gives back the same shape', () => {
    const schedule = Schedule.parse({
      weekly: { wed: [['14:00', '24:00'], ['08:00', '12:30']], mon: [] },
      exceptions: { '2027-12-31': [['10:00', '11:00']], '2027-12-24': [] },
    });
    expect(schedule.toView()).toEqual({
      weekly: { mon: [], wed: [['08:00', '12:30'], ['14:00', '24:00']] },
      exceptions: { '2027-12-24': [], '2027-12-31': [['10:00', '11:00']] },
      buffer_before_minutes: 0,
      buffer_after_minutes: 0,
      min_notice_minutes: 0,
      max_days_ahead: 365,
      min_cancel_notice_minutes: 0,
      min_reschedule_notice_minutes: 0,
    });
    expect(Schedule.parse(schedule.toView()).toView()).toEqual(schedule.toView());
  });

  it('accepts adjacent windows and the bounds of every number', () => {
    const schedule = Schedule.parse({
      weekly: { fri: [['09:00', '12:00'], ['12:00', '17:00']] },
      buffer_before_minutes: 240,
      buffer_after_minutes: 0,
      min_notice_minutes: 525_600,
      max_days_ahead: 3650,
    });
    expect(schedule.props).toMatchObject({ bufferBeforeMinutes: 240, minNoticeMinutes: 525_600, maxDaysAhead: 3650 });
    expect(Schedule.parse({ weekly: {}, max_days_ahead: 1 }).props.maxDaysAhead).toBe(1);
  });

  it.each([
    [{ weekly: { mon: [['09:00', '12:00'], ['08:00', '09:30']] } }, 'weekly.mon has overlapping windows (08:00-09:30 and 09:00-12:00)'],
    [{ weekly: { sun: [['10:00', '10:00']] } }, 'weekly.sun[0] ends at or before it starts (10:00-10:00)'],
    [{ weekly: { sun: [['24:00', '24:00']] } }, 'weekly.sun[0] has a malformed time (use HH:MM; only an end may be 24:00)'],
    [{ weekly: { sun: [['00:00', '24:01']] } }, 'weekly.sun[0] has a malformed time (use HH:MM; only an end may be 24:00)'],
    [{ weekly: { someday: [] } }, 'weekly has an unknown day "someday" (use mon, tue, wed, thu, fri, sat, sun)'],
    [{ weekly: {}, exceptions: { '2027-02-29': [] } }, 'exceptions has an invalid date "2027-02-29" (use YYYY-MM-DD)'],
    [{ weekly: {}, exceptions: { '2028-02-29': [['10:00', '09:00']] } }, 'exceptions.2028-02-29[0] ends at or before it starts (10:00-09:00)'],
    [{ weekly: {}, buffer_after_minutes: 241 }, 'buffer_after_minutes must be an integer from 0 to 240'],
    [{ weekly: {}, min_notice_minutes: -5 }, 'min_notice_minutes must be an integer from 0 to 525600'],
    [{ weekly: {}, max_days_ahead: 0.5 }, 'max_days_ahead must be an integer from 1 to 3650'],
  ])('refuses %j: %s', (input, message) => {
    expect(() => Schedule.parse(input as never)).toThrow(ValidationError);
    expect(() => Schedule.parse(input as never)).toThrow(message);
  });
});

describe('windows of a date', () => {
  const schedule = Schedule.parse({
    weekly: { mon: [['09:00', '17:00']], tue: [['10:00', '12:00']] },
    exceptions: { '2027-01-11': [['13:00', '14:00']], '2027-01-12': [] },
  });
  const minutes = (ws: readonly { start: number; end: number }[]) => ws.map((w) => [w.start, w.end]);

  it('an exception replaces its weekday, [] closes it; absent weekdays are closed', () => {
    expect(minutes(schedule.windowsOn('2027-01-04'))).toEqual([[540, 1020]]);
    expect(minutes(schedule.windowsOn('2027-01-11'))).toEqual([[780, 840]]);
    expect(minutes(schedule.windowsOn('2027-01-12'))).toEqual([]);
    expect(minutes(schedule.windowsOn('2027-01-19'))).toEqual([[600, 720]]);
    expect(minutes(schedule.windowsOn('2027-01-06'))).toEqual([]);
  });

  it('without a schedule the whole day is one window', () => {
    expect(minutes(windowsFor(null, '2027-01-06'))).toEqual([[0, 1440]]);
  });
});
