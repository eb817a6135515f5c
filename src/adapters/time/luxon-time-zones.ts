import { IANAZone } from 'luxon';
import { LocalReading, TimeZones } from '../../domain/time-zones';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const CACHE_LIMIT = 50_000;

function boundedSet<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= CACHE_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** One zone's Luxon data and what has been read from it, keyed by number so that a lookup builds no string. */
interface ZoneEntry {
  zone: IANAZone;
  /** (local date) → the day's single offset in minutes, or null on a day with a transition. */
  localDays: Map<string, number | null>;
  /** UTC day since epoch → offset in minutes when constant over that day, else null. */
  utcDays: Map<number, number | null>;
  /** Hour since epoch → offset in minutes when constant over that hour, else null (only for days with a change). */
  hours: Map<number, number | null>;
}

/**
 * Time zones from the IANA database through Luxon. All offsets come from Luxon's zone data; results are
 * memoised per zone because listings and availability ask for the same days over and over.
 */
export class LuxonTimeZones implements TimeZones {
  private readonly zones = new Map<string, ZoneEntry>();

  isValid(zone: string): boolean {
    if (typeof zone !== 'string' || zone.length > 64) return false;
    // Luxon checks a name by building a formatter for it; a zone already in use is known to be valid.
    if (this.zones.has(zone)) return true;
    if (!IANAZone.isValidZone(zone)) return false;
    this.entry(zone);
    return true;
  }

  private entry(name: string): ZoneEntry {
    let entry = this.zones.get(name);
    if (!entry) {
      entry = { zone: IANAZone.create(name), localDays: new Map(), utcDays: new Map(), hours: new Map() };
      boundedSet(this.zones, name, entry);
    }
    return entry;
  }

  private localDayOffset(entry: ZoneEntry, date: string, naiveMidnight: number): number | null {
    const cached = entry.localDays.get(date);
    if (cached !== undefined) return cached;
    // A day with the same offset 14 h before its start and 14 h after its end has no transition in it.
    const before = entry.zone.offset(naiveMidnight - 14 * HOUR_MS);
    const after = entry.zone.offset(naiveMidnight + DAY_MS + 14 * HOUR_MS);
    return boundedSet(entry.localDays, date, before === after ? before : null);
  }

  toInstant(date: string, minuteOfDay: number, zoneName: string): number | null {
    const entry = this.entry(zoneName);
    const zone = entry.zone;
    const naiveMidnight = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
    const naive = naiveMidnight + minuteOfDay * MINUTE_MS;
    const steady = this.localDayOffset(entry, date, naiveMidnight);
    if (steady !== null) return naive - steady * MINUTE_MS;
    // A transition day: try the offsets in force before and after; a wall time is real when the zone agrees
    // with the offset we assumed. None agreeing means the time was skipped; two means it repeats (take the first).
    const candidates = [zone.offset(naive - DAY_MS), zone.offset(naive + DAY_MS)]
      .map((offset) => naive - offset * MINUTE_MS)
      .filter((instant) => naive - instant === zone.offset(instant) * MINUTE_MS)
      .sort((a, b) => a - b);
    return candidates.length ? candidates[0] : null;
  }

  /** The offset at an instant: from the UTC day when it has one offset throughout, else from the hour, else exact. */
  private offsetAt(entry: ZoneEntry, instant: number): number {
    const day = Math.floor(instant / DAY_MS);
    let daily = entry.utcDays.get(day);
    if (daily === undefined) {
      const start = entry.zone.offset(day * DAY_MS);
      daily = boundedSet(entry.utcDays, day, start === entry.zone.offset(day * DAY_MS + DAY_MS - 1) ? start : null);
    }
    if (daily !== null) return daily;
    const hour = Math.floor(instant / HOUR_MS);
    let hourly = entry.hours.get(hour);
    if (hourly === undefined) {
      const start = entry.zone.offset(hour * HOUR_MS);
      hourly = boundedSet(entry.hours, hour, start === entry.zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? start : null);
    }
    return hourly ?? entry.zone.offset(instant);
  }

  toLocal(instant: number, zoneName: string): LocalReading {
    const wall = new Date(instant + this.offsetAt(this.entry(zoneName), instant) * MINUTE_MS);
    return {
      date: wall.toISOString().slice(0, 10),
      minute: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
    };
  }

  formatWithOffset(instant: number, zoneName: string): string {
    const offset = this.offsetAt(this.entry(zoneName), instant);
    const wall = new Date(instant + offset * MINUTE_MS).toISOString().slice(0, 19);
    const abs = Math.abs(offset);
    return `${wall}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
}
