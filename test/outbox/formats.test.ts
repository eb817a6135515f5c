import { createHmac } from 'node:crypto';
import ical, { VEvent } from 'node-ical';
import { escapeText, feedText, foldLine, invitationText } from '../../src/adapters/icalendar/icalendar';
import { isNonPublicAddress } from '../../src/adapters/webhooks/dns-webhook-url-policy';
import { webhookSignature } from '../../src/adapters/webhooks/webhook-signature';
import { BookingView } from '../../src/application/views';
import { bookingViewOf, eventDateTimes, instantOf, vtimezone } from '../support/icalendar';
import { DEFAULT_DELIVERY_SCHEDULE, nextAttemptAfterFailure, retryDelay } from '../../src/domain/delivery-schedule';
import { verifySignature } from './support';

const provider = { id: 3, name: 'Dr. Ada Byron', email: 'ada@example.com', timezone: 'Europe/Berlin' };

const aBooking = bookingViewOf;

describe('iCalendar text', () => {
  it('escapes backslash, semicolon, comma and every kind of line break', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf\rg')).toBe('a\\\\b\\;c\\,d\\ne\\nf\\ng');
  });

  it('folds at 75 octets without splitting a UTF-8 character, and unfolds to the same text', () => {
    const line = `DESCRIPTION:${'ä€😀x'.repeat(40)}`;
    const folded = foldLine(line);
    const lines = folded.split('\r\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const [i, l] of lines.entries()) {
      expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
      if (i > 0) expect(l.startsWith(' ')).toBe(true);
      expect(l).not.toContain('\uFFFD');
    }
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(foldLine('SHORT:line')).toBe('SHORT:line');
  });

  it('writes a valid invitation that node-ical reads back field by field', () => {
    const notes = 'Bring: forms, ID; and the "blue" folder\\archive\nSecond line ' + 'ü'.repeat(50);
    const booking = aBooking({ customer_name: 'Grace Hopper', customer_email: 'grace@example.com', notes, version: 3 });
    const { method, text } = invitationText(booking, provider, { stampedAt: Date.parse('2027-01-05T10:00:00Z') });
    expect(method).toBe('REQUEST');
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\n(.*\r\n)+END:VCALENDAR\r\n$/);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const parsed = ical.sync.parseICS(text);
    const event = parsed['booking-42@booking-service'] as VEvent;
    expect(event.type).toBe('VEVENT');
    expect(event.sequence).toBe('3');
    expect(event.status).toBe('CONFIRMED');
    // 09:00 in Berlin on the day clocks go forward is 07:00 UTC.
    expect(text).toContain('\r\nDTSTART;TZID=Europe/Berlin:20270328T090000\r\n');
    expect(text).toContain('\r\nDTEND;TZID=Europe/Berlin:20270328T093000\r\n');
    expect(vtimezone(text, 'Europe/Berlin')).toContainEqual({ kind: 'DAYLIGHT', start: '20270328T020000', from: '+0100', to: '+0200' });
    expect(instantOf(text, eventDateTimes(text, 'DTSTART')[0])).toBe(Date.parse(booking.starts_at));
    expect(event.start.toISOString()).toBe('2027-03-28T07:00:00.000Z');
    expect(event.end.toISOString()).toBe('2027-03-28T07:30:00.000Z');
    expect(event.description).toContain(`Notes: ${notes}`);
    expect(event.summary).toBe('Dr. Ada Byron: Grace Hopper');
    expect((parsed.vcalendar as { method?: string }).method).toBe('REQUEST');
  });

  it('writes a cancellation as METHOD:CANCEL with STATUS:CANCELLED', () => {
    const { method, text } = invitationText(aBooking({ status: 'cancelled', version: 2 }), provider, { stampedAt: 0 });
    expect(method).toBe('CANCEL');
    expect(text).toContain('\r\nMETHOD:CANCEL\r\n');
    expect(text).toContain('\r\nSTATUS:CANCELLED\r\n');
    expect(text).toContain('\r\nSEQUENCE:2\r\n');
  });

  it('writes one VEVENT per booking in a feed', () => {
    const text = feedText([aBooking({ id: 1 }), aBooking({ id: 2, time: '10:00:00' })], provider, { stampedAt: 0 });
    const uids = Object.values(ical.sync.parseICS(text))
      .filter((c) => c.type === 'VEVENT')
      .map((c) => (c as VEvent).uid);
    expect(uids.sort()).toEqual(['booking-1@booking-service', 'booking-2@booking-service']);
  });
});

describe('webhook target addresses', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '0.0.0.0',
    '100.64.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fd00::abcd', 'fe80::1', 'fe80::1%eth0', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:c0a8:101', '::127.0.0.1', '64:ff9b::a00:1', '2002:c0a8:101::1',
  ])('refuses %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2001:4860:4860::8888'])(
    'allows %s',
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );
});

describe('webhook signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const header = webhookSignature('whsec_test', '{"id":1}', 1_800_000_000);
    expect(header).toBe('t=1800000000,v1=' + createHmac('sha256', 'whsec_test').update('1800000000.{"id":1}').digest('hex'));
    expect(verifySignature('whsec_test', header, '{"id":1}')).toEqual({ valid: true, t: 1_800_000_000 });
    expect(verifySignature('whsec_test', header, '{"id":2}').valid).toBe(false);
  });
});

describe('retry schedule', () => {
  it('retries first within 10 s, then doubles up to an hour, with jitter between half and all of each step', () => {
    for (const random of [0, 0.5, 0.999]) {
      expect(retryDelay(DEFAULT_DELIVERY_SCHEDULE, 1, random)).toBeLessThanOrEqual(10_000);
      expect(retryDelay(DEFAULT_DELIVERY_SCHEDULE, 1, random)).toBeGreaterThan(0);
    }
    expect(retryDelay(DEFAULT_DELIVERY_SCHEDULE, 2, 1)).toBe(2 * retryDelay(DEFAULT_DELIVERY_SCHEDULE, 1, 1));
    expect(retryDelay(DEFAULT_DELIVERY_SCHEDULE, 3, 0)).toBe(retryDelay(DEFAULT_DELIVERY_SCHEDULE, 3, 1) / 2);
    expect(retryDelay(DEFAULT_DELIVERY_SCHEDULE, 40, 1)).toBe(3_600_000);
  });

  it('keeps retrying for at least 24 hours after the first attempt, then gives up', () => {
    const first = 0;
    let now = first;
    let attempt = 1;
    for (;;) {
      const next = nextAttemptAfterFailure(DEFAULT_DELIVERY_SCHEDULE, first, attempt, now, 0.999);
      if (next === null) break;
      expect(next - now).toBeLessThanOrEqual(3_600_000);
      now = next;
      attempt += 1;
    }
    expect(now - first).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(now - first).toBeLessThan(25 * 3_600_000);
  });
});
