/** Two independent iCalendar readers, for tests that check what calendar apps make of a feed or an invitation. */
import ICAL from 'ical.js';
import ical, { VEvent } from 'node-ical';

/** UID → [start, end] in epoch ms, as ical.js reads them, each TZID resolved through the calendar's own VTIMEZONE. */
export function readWithIcalJs(text: string): Record<string, [number, number]> {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const timezones = new Map<string, ICAL.Timezone>();
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    const zone = new ICAL.Timezone(vtimezone);
    timezones.set(zone.tzid, zone);
  }
  const instant = (vevent: ICAL.Component, name: string): number => {
    const property = vevent.getFirstProperty(name)!;
    const time = property.getFirstValue() as ICAL.Time;
    const tzid = property.getParameter('tzid') as string | undefined;
    if (tzid === undefined) {
      if (time.zone !== ICAL.Timezone.utcTimezone) throw new Error(`${name} is neither UTC nor has a TZID`);
      return time.toUnixTime() * 1000;
    }
    const zone = timezones.get(tzid);
    if (!zone) throw new Error(`no VTIMEZONE for ${tzid}`);
    // The wall time less the offset the calendar's own VTIMEZONE gives it (not any zone database ical.js may know of).
    const wall = Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
    return wall - zone.utcOffset(time) * 1000;
  };
  const out: Record<string, [number, number]> = {};
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    out[event.uid] = [instant(vevent, 'dtstart'), instant(vevent, 'dtend')];
    // ical.js's own reading of the event agrees.
    const own = [event.startDate.toJSDate().getTime(), event.endDate.toJSDate().getTime()];
    if (own[0] !== out[event.uid][0] || own[1] !== out[event.uid][1]) throw new Error(`ical.js reads ${event.uid} as ${own.join('..')}`);
  }
  return out;
}

export function readWithNodeIcal(text: string): Record<string, [number, number]> {
  const events = Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c.type === 'VEVENT');
  return Object.fromEntries(events.map((e) => [e.uid, [e.start.getTime(), e.end.getTime()]]));
}

