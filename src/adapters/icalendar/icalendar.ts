import { IANAZone } from 'luxon';
import { BusySpan } from '../../application/use-cases/calendar-feed';
import { BookingView } from '../../application/views';

/** RFC 5545 text, written by hand: CRLF line ends, lines folded at 75 octets, TEXT values escaped. */

export interface ICalendarProvider {
  id: number;
  name: string;
  email: string;
  timezone: string;
}

export interface EventOptions {
  /** DTSTAMP: when this representation was made. */
  stampedAt: number;
  /** Right part of every UID; keep it stable, calendar apps key events by UID. */
  uidDomain?: string;
  /** Written as cancelled whatever the booking's status: the reader was taken off the booking. */
  cancelled?: boolean;
}

export const DEFAULT_UID_DOMAIN = 'booking-service';
const PRODID = '-//Booking service//Bookings//EN';

/** Escapes a TEXT value: backslash, semicolon, comma and line breaks. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A parameter value (e.g. CN), quoted when it holds `:`, `;` or `,`; double quotes and controls cannot appear. */
function paramValue(value: string): string {
  const clean = value.replace(/["\u0000-\u001f\u007f]/g, '');
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** Folds a content line so that no line exceeds 75 octets of UTF-8, never splitting a character. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with one space
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const TRANSITION_CACHE_LIMIT = 1_000;

/** A DATE-TIME in local form (no `Z`): the wall clock of `ms` at an offset of `offset` minutes. */
function localStamp(ms: number, offset: number): string {
  return utcStamp(ms + offset * MINUTE_MS).slice(0, -1);
}

/** A UTC-OFFSET value: `+0100`, `-0430`, `+0000`. */
function utcOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

interface Transition {
  /** The first instant (epoch ms) of the new offset. */
  at: number;
  /** Offsets in minutes before and after. */
  from: number;
  to: number;
}

const transitionCache = new Map<string, Transition[]>();

/** The zone's offset changes whose local onset falls in `year`: a daily scan, each change bisected to the minute. */
function transitionsIn(zone: IANAZone, year: number): Transition[] {
  const key = `${zone.name}|${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const found: Transition[] = [];
  const end = Date.UTC(year + 1, 0, 1) + DAY_MS;
  let t = Date.UTC(year, 0, 1) - DAY_MS;
  let offset = zone.offset(t);
  for (; t < end; t += DAY_MS) {
    const next = zone.offset(t + DAY_MS);
    if (next === offset) continue;
    let [lo, hi] = [t, t + DAY_MS];
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
      if (zone.offset(mid) === offset) lo = mid;
      else hi = mid;
    }
    const change = { at: hi, from: offset, to: zone.offset(hi) };
    if (new Date(change.at + change.from * MINUTE_MS).getUTCFullYear() === year) found.push(change);
    offset = next;
  }
  if (transitionCache.size >= TRANSITION_CACHE_LIMIT) transitionCache.clear();
  transitionCache.set(key, found);
  return found;
}

/**
 * The VTIMEZONE of an IANA zone over the years `fromYear` to `toYear`: one STANDARD or DAYLIGHT component per
 * actual offset change in those years (no RRULE, so rule changes in the zone data need no special case), or a
 * single STANDARD component when the offset does not change.
 */
export function timezoneLines(zoneName: string, fromYear: number, toYear: number): string[] {
  const zone = IANAZone.create(zoneName);
  if (!zone.isValid) throw new Error(`Unknown time zone: ${zoneName}`);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${escapeText(zoneName)}`];
  const transitions: Transition[] = [];
  for (let year = fromYear; year <= toYear; year += 1) transitions.push(...transitionsIn(zone, year));
  if (transitions.length === 0) {
    const offset = utcOffset(zone.offset(Date.UTC(fromYear, 0, 1)));
    lines.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${offset}`, `TZOFFSETTO:${offset}`, 'END:STANDARD');
  }
  for (const { at, from, to } of transitions) {
    // Moving the clocks forward starts daylight time; moving them back returns to standard time.
    const kind = to > from ? 'DAYLIGHT' : 'STANDARD';
    lines.push(
      `BEGIN:${kind}`,
      `DTSTART:${localStamp(at, from)}`,
      `TZOFFSETFROM:${utcOffset(from)}`,
      `TZOFFSETTO:${utcOffset(to)}`,
      `END:${kind}`,
    );
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

/** True when the zone shows the wall clock of `instant` at another instant too: the hour repeated when the clocks go back. */
function isRepeatedReading(zone: IANAZone, instant: number): boolean {
  const wall = instant + zone.offset(instant) * MINUTE_MS;
  return [zone.offset(instant - DAY_MS), zone.offset(instant + DAY_MS)].some((offset) => {
    const other = wall - offset * MINUTE_MS;
    return other !== instant && zone.offset(other) === offset;
  });
}

/**
 * DTSTART or DTEND as the booking's local time with TZID, except a local time that the clocks show twice (the
 * repeated hour of a fall-back day): that one is written in UTC, whichever occurrence it is. RFC 5545 3.3.5 makes
 * a repeated local time its first occurrence, but readers differ on it, and the second occurrence cannot be
 * written with TZID at all; UTC names the instant for every reader.
 */
function zonedDateTime(name: string, iso: string, zoneName: string): string {
  const instant = Date.parse(iso);
  if (isRepeatedReading(IANAZone.create(zoneName), instant)) return `${name}:${utcStamp(instant)}`;
  return `${name};TZID=${paramValue(zoneName)}:${iso.slice(0, 19).replace(/[-:]/g, '')}`;
}

/** A cancelled or declined booking: it occupies nothing and leaves every calendar. */
export function isWithdrawn(booking: BookingView): boolean {
  return booking.status === 'cancelled' || booking.status === 'declined';
}

export function bookingUid(bookingId: number, domain = DEFAULT_UID_DOMAIN): string {
  return `booking-${bookingId}@${domain}`;
}

function describe(booking: BookingView, provider: ICalendarProvider): string {
  const lines = [
    `Booking #${booking.id} with ${provider.name}`,
    `${booking.date} ${booking.time.slice(0, 5)}-${booking.end_time.slice(0, 5)} (${booking.timezone}), ${booking.duration_minutes} minutes`,
  ];
  if (booking.customer_name || booking.customer_email) {
    lines.push(`Customer: ${[booking.customer_name, booking.customer_email ? `<${booking.customer_email}>` : null].filter(Boolean).join(' ')}`);
  }
  if (booking.notes) lines.push(`Notes: ${booking.notes}`);
  return lines.join('\n');
}

/** The VEVENT of one booking: start and end in the booking's zone, stable UID, SEQUENCE = the booking's version. */
export function bookingEventLines(booking: BookingView, provider: ICalendarProvider, options: EventOptions): string[] {
  const cancelled = options.cancelled === true || isWithdrawn(booking);
  const who = booking.customer_name ?? booking.customer_email;
  const lines = [
    'BEGIN:VEVENT',
    `UID:${bookingUid(booking.id, options.uidDomain)}`,
    `DTSTAMP:${utcStamp(options.stampedAt)}`,
    zonedDateTime('DTSTART', booking.starts_at, booking.timezone),
    zonedDateTime('DTEND', booking.ends_at, booking.timezone),
    `SEQUENCE:${booking.version}`,
    `STATUS:${cancelled ? 'CANCELLED' : booking.status === 'pending' ? 'TENTATIVE' : 'CONFIRMED'}`,
    `SUMMARY:${escapeText(who ? `${provider.name}: ${who}` : `Booking with ${provider.name}`)}`,
    `DESCRIPTION:${escapeText(describe(booking, provider))}`,
    `CREATED:${utcStamp(Date.parse(booking.created_at))}`,
    `LAST-MODIFIED:${utcStamp(Date.parse(booking.updated_at))}`,
    `ORGANIZER;CN=${paramValue(provider.name)}:mailto:${provider.email}`,
  ];
  if (booking.customer_email) {
    const cn = booking.customer_name ? `;CN=${paramValue(booking.customer_name)}` : '';
    lines.push(`ATTENDEE${cn};ROLE=REQ-PARTICIPANT:mailto:${booking.customer_email}`);
  }
  lines.push('TRANSP:OPAQUE', 'END:VEVENT');
  return lines;
}

/**
 * A VEVENT of time the provider is busy with bookings the reader may not see: the span in UTC and nothing else (no
 * booking id, customer, note or change history). Its UID is made of the span and the provider, so it stays the same
 * while the span does.
 */
export function busyEventLines(span: BusySpan, provider: ICalendarProvider, options: EventOptions): string[] {
  const [start, end] = [utcStamp(span.startsAt), utcStamp(span.endsAt)];
  return [
    'BEGIN:VEVENT',
    `UID:busy-${provider.id}-${start}-${end}@${options.uidDomain ?? DEFAULT_UID_DOMAIN}`,
    `DTSTAMP:${utcStamp(options.stampedAt)}`,
    `DTSTART:${start}`,
    `DTEND:${end}`,
    'SUMMARY:Busy',
    'CLASS:CONFIDENTIAL',
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'END:VEVENT',
  ];
}

export interface VCalendarOptions {
  /** REQUEST or CANCEL for an emailed invitation (iTIP); omitted for a subscribed feed. */
  method?: 'REQUEST' | 'CANCEL' | 'PUBLISH';
  /** Shown by calendar apps as the calendar's name. */
  name?: string;
  timezone?: string;
  /** Busy time shown without any booking's details (see `busyEventLines`). */
  busy?: BusySpan[];
}

/** One VTIMEZONE per zone the bookings use, by zone name, covering a year either side of their dates. */
function timezonesFor(bookings: BookingView[]): string[] {
  const years = new Map<string, { from: number; to: number }>();
  for (const b of bookings) {
    // starts_at and ends_at carry the local date, so their first four characters are local years.
    const [start, end] = [Number(b.starts_at.slice(0, 4)), Number(b.ends_at.slice(0, 4))];
    const span = years.get(b.timezone);
    years.set(b.timezone, { from: Math.min(start, span?.from ?? start), to: Math.max(end, span?.to ?? end) });
  }
  return [...years.keys()].sort().flatMap((zone) => {
    const { from, to } = years.get(zone)!;
    return timezoneLines(zone, from - 1, to + 1);
  });
}

/** A VCALENDAR of the bookings' VEVENTs and the VTIMEZONEs they refer to, folded and CRLF-terminated. */
export function vcalendarText(
  bookings: BookingView[],
  provider: ICalendarProvider,
  eventOptions: EventOptions,
  options: VCalendarOptions = {},
): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN'];
  if (options.method) lines.push(`METHOD:${options.method}`);
  if (options.name) lines.push(`X-WR-CALNAME:${escapeText(options.name)}`);
  if (options.timezone) lines.push(`X-WR-TIMEZONE:${escapeText(options.timezone)}`);
  lines.push(...timezonesFor(bookings));
  for (const booking of bookings) lines.push(...bookingEventLines(booking, provider, eventOptions));
  for (const span of options.busy ?? []) lines.push(...busyEventLines(span, provider, eventOptions));
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/**
 * The invitation mailed for a change: METHOD:REQUEST (STATUS:TENTATIVE while pending), or METHOD:CANCEL with
 * STATUS:CANCELLED for a cancelled or declined booking, or with `cancelled` (a provider taken off the booking).
 */
export function invitationText(booking: BookingView, provider: ICalendarProvider, options: EventOptions): { method: 'REQUEST' | 'CANCEL'; text: string } {
  const method = options.cancelled === true || isWithdrawn(booking) ? 'CANCEL' : 'REQUEST';
  return { method, text: vcalendarText([booking], provider, options, { method }) };
}

/**
 * One invitation for several bookings (a new series): one VEVENT per booking still on (cancelled and declined ones
 * are left out), each with the booking's own UID and SEQUENCE, so a later message about one occurrence updates or
 * removes exactly that one. When none is on any more, METHOD:CANCEL for all of them.
 */
export function seriesInvitationText(bookings: BookingView[], provider: ICalendarProvider, options: EventOptions): { method: 'REQUEST' | 'CANCEL'; text: string } {
  const on = bookings.filter((b) => !isWithdrawn(b));
  if (on.length === 0) return { method: 'CANCEL', text: vcalendarText(bookings, provider, options, { method: 'CANCEL' }) };
  return { method: 'REQUEST', text: vcalendarText(on, provider, options, { method: 'REQUEST' }) };
}

/** A subscribed feed of bookings, and of busy time when the reader may not see every booking. */
export function feedText(bookings: BookingView[], provider: ICalendarProvider, options: EventOptions, busy: BusySpan[] = []): string {
  return vcalendarText(bookings, provider, options, {
    method: 'PUBLISH',
    name: `Bookings: ${provider.name}`,
    timezone: provider.timezone,
    busy,
  });
}
