import { BookingView } from '../../src/application/views';
/**
 * Reads what node-ical does not check: it resolves a TZID from its own zone database and ignores the
 * calendar's VTIMEZONE, so these helpers read VTIMEZONE components and local DATE-TIMEs line by line.
 */

export interface Observance {
  kind: 'STANDARD' | 'DAYLIGHT';
  /** DTSTART: the local time of the change, in the offset before it. */
  start: string;
  from: string;
  to: string;
}

export interface DateTimeProperty {
  /** The TZID parameter, or null for a UTC time. */
  tzid: string | null;
  value: string;
}

/** Content lines with folding undone. */
export function contentLines(text: string): string[] {
  return text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((line) => line !== '');
}

/** Each VTIMEZONE of a calendar as [TZID, observances in the order written]. */
export function vtimezones(text: string): [string, Observance[]][] {
  const out: [string, Observance[]][] = [];
  let zone: [string, Observance[]] | null = null;
  let current: Partial<Observance> | null = null;
  for (const line of contentLines(text)) {
    const [name, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
    if (line === 'BEGIN:VTIMEZONE') zone = ['', []];
    else if (line === 'END:VTIMEZONE' && zone) {
      out.push(zone);
      zone = null;
    } else if (zone && name === 'TZID') zone[0] = value;
    else if (zone && (line === 'BEGIN:STANDARD' || line === 'BEGIN:DAYLIGHT')) current = { kind: value as Observance['kind'] };
    else if (zone && current && line.startsWith('END:')) {
      zone[1].push(current as Observance);
      current = null;
    } else if (current && name === 'DTSTART') current.start = value;
    else if (current && name === 'TZOFFSETFROM') current.from = value;
    else if (current && name === 'TZOFFSETTO') current.to = value;
  }
  return out;
}

/** The observances of one zone; fails when the calendar does not define it exactly once. */
export function vtimezone(text: string, zone: string): Observance[] {
  const found = vtimezones(text).filter(([tzid]) => tzid === zone);
  if (found.length !== 1) throw new Error(`expected one VTIMEZONE ${zone}, found ${found.length}`);
  return found[0][1];
}

/** A DATE-TIME property (`DTSTART`, `DTEND`) of every VEVENT, in order. */
export function eventDateTimes(text: string, property: string): DateTimeProperty[] {
  const out: DateTimeProperty[] = [];
  let inEvent = false;
  for (const line of contentLines(text)) {
    if (line === 'BEGIN:VEVENT') inEvent = true;
    else if (line === 'END:VEVENT') inEvent = false;
    else if (inEvent && (line.startsWith(`${property}:`) || line.startsWith(`${property};`))) {
      const colon = line.indexOf(':');
      const tzid = /;TZID=([^;:]+)/.exec(line.slice(0, colon));
      out.push({ tzid: tzid ? tzid[1] : null, value: line.slice(colon + 1) });
    }
  }
  return out;
}

function naive(value: string): number {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z?$/.exec(value)!.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function minutes(offset: string): number {
  const [, sign, h, m] = /^([+-])(\d{2})(\d{2})$/.exec(offset)!;
  return (sign === '-' ? -1 : 1) * (Number(h) * 60 + Number(m));
}

/**
 * The instant (epoch ms) that a local DATE-TIME names under the given observances: each observance holds from
 * its onset to the next one's; a local time read by two instants means the earlier; null for a skipped time.
 */
export function instantUnder(observances: Observance[], local: string): number | null {
  const spans = observances
    .map((o) => ({ onset: naive(o.start) - minutes(o.from) * 60_000, from: minutes(o.from), to: minutes(o.to) }))
    .sort((a, b) => a.onset - b.onset);
  const wall = naive(local);
  const candidates: number[] = [];
  if (spans.length && wall - spans[0].from * 60_000 < spans[0].onset) candidates.push(wall - spans[0].from * 60_000);
  spans.forEach((span, i) => {
    const t = wall - span.to * 60_000;
    if (t >= span.onset && (i === spans.length - 1 || t < spans[i + 1].onset)) candidates.push(t);
  });
  return candidates.length ? Math.min(...candidates) : null;
}

/** The instant of a DTSTART or DTEND, through the calendar's own VTIMEZONE when it has a TZID. */
export function instantOf(text: string, property: DateTimeProperty): number | null {
  return property.tzid === null ? naive(property.value) : instantUnder(vtimezone(text, property.tzid), property.value);
}

/** `2027-12-25` and `14:30[:00]` as a local DATE-TIME value. */
export function localValue(date: string, time: string): string {
  return `${date.replace(/-/g, '')}T${time.slice(0, 5).replace(':', '')}00`;
}

/** A booking view of provider 3 for the iCalendar writer's tests: a 30-minute active booking unless `fields` say otherwise. */
export function bookingViewOf(fields: Partial<BookingView> = {}): BookingView {
  return {
    id: 42,
    provider_id: 3,
    date: '2027-03-28',
    time: '09:00:00',
    created_at: '2027-01-04T08:00:00.000Z',
    duration_minutes: 30,
    end_time: '09:30:00',
    timezone: 'Europe/Berlin',
    starts_at: '2027-03-28T09:00:00+02:00',
    ends_at: '2027-03-28T09:30:00+02:00',
    status: 'active',
    customer_name: null,
    customer_email: null,
    notes: null,
    version: 1,
    updated_at: '2027-01-04T08:00:00.000Z',
    cancelled_at: null,
    service_id: null,
    provider_ids: [3],
    series_id: null,
    ...fields,
  };
}
