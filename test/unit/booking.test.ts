import { Booking, diffBookings, eventTypeForChanges, validateCustomerFields } from '../../src/domain/booking';
import { assertWithinDay } from '../../src/domain/booking-policy';
import { ValidationError } from '../../src/domain/errors';
import { formatMinutes } from '../../src/domain/local-date';
import { aBooking } from '../support/builders';

const base: Booking = { ...aBooking().at('2027-12-25', '14:30').lasting(30).build(), id: 1 };

describe('diffBookings', () => {
  it('is empty for the same state', () => {
    expect(diffBookings(base, { ...base }, formatMinutes)).toEqual({});
  });

  it('names changed fields by their public names, as [old, new]', () => {
    const after: Booking = { ...base, date: '2027-12-26', durationMinutes: 45, customerName: 'Ada', notes: 'n' };
    expect(diffBookings(base, after, formatMinutes)).toEqual({
      date: ['2027-12-25', '2027-12-26'],
      duration_minutes: [30, 45],
      customer_name: [null, 'Ada'],
      notes: [null, 'n'],
    });
  });

  it('shows the time as wall-clock text', () => {
    expect(diffBookings(base, { ...base, startMinute: 600 }, formatMinutes)).toEqual({ time: ['14:30', '10:00'] });
  });

  it('tracks status and a cleared field', () => {
    const withEmail = { ...base, customerEmail: 'a@example.com' };
    expect(diffBookings(withEmail, { ...withEmail, customerEmail: null, status: 'cancelled' }, formatMinutes)).toEqual({
      customer_email: ['a@example.com', null],
      status: ['active', 'cancelled'],
    });
  });

  it('ignores bookkeeping fields (version, update time, derived instants)', () => {
    const after = { ...base, version: 9, updatedAt: base.updatedAt + 1, startsAt: base.startsAt + 1, endsAt: base.endsAt + 1 };
    expect(diffBookings(base, after, formatMinutes)).toEqual({});
  });
});

describe('eventTypeForChanges', () => {
  it.each([
    [{ date: ['a', 'b'] }, 'booking.rescheduled'],
    [{ time: ['10:00', '11:00'] }, 'booking.rescheduled'],
    [{ duration_minutes: [30, 60] }, 'booking.rescheduled'],
    [{ notes: [null, 'x'], time: ['10:00', '11:00'] }, 'booking.rescheduled'],
    [{ notes: [null, 'x'] }, 'booking.updated'],
    [{ customer_name: ['A', 'B'], customer_email: [null, 'b@example.com'] }, 'booking.updated'],
    [{}, 'booking.updated'],
  ])('%j is %s', (changes, type) => {
    expect(eventTypeForChanges(changes as Record<string, [unknown, unknown]>)).toBe(type);
  });
});

describe('validateCustomerFields', () => {
  it('trims, turns empty text into null, and leaves absent fields absent', () => {
    expect(validateCustomerFields({ customerName: '  Ada  ', customerEmail: '', notes: '' })).toEqual({
      customerName: 'Ada',
      customerEmail: null,
      notes: null,
    });
    expect(validateCustomerFields({})).toEqual({});
    expect(validateCustomerFields({ customerName: null })).toEqual({ customerName: null });
  });

  it('refuses a malformed email, an over-long name and over-long notes', () => {
    expect(() => validateCustomerFields({ customerEmail: 'not-an-email' })).toThrow(ValidationError);
    expect(() => validateCustomerFields({ customerName: 'x'.repeat(201) })).toThrow(ValidationError);
    expect(() => validateCustomerFields({ notes: 'x'.repeat(1001) })).toThrow(ValidationError);
    expect(validateCustomerFields({ notes: 'x'.repeat(1000) }).notes).toHaveLength(1000);
  });
});

describe('a booking stays within its day', () => {
  it('may end at midnight but not cross it', () => {
    expect(() => assertWithinDay(23 * 60 + 30, 30)).not.toThrow();
    expect(() => assertWithinDay(23 * 60 + 45, 30)).toThrow(ValidationError);
    expect(() => assertWithinDay(0, 1440)).not.toThrow();
    expect(() => assertWithinDay(1, 1440)).toThrow(/midnight/);
  });
});

