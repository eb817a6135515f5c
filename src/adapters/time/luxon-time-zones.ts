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

/**
 * Time zones from the IANA database through Luxon. All offsets come from Luxon's zone data; results are
 * memoised because availability asks for the same days and hours over and over.
 */
export class LuxonTimeZones implements TimeZones {
  private readonly zoneCache = new Map<string, IANAZone>();
  /** (zone, date) → the day's single offset in minutes, or null on a day with a transition. */
  private readonly dayOffsets = new Map<string, number | null>();
  /** (zone, hour since epoch) → offset in minutes when constant over that hour, else null. */
  private readonly hourOffsets = new Map<string, number | null>();

  isValid(zone: string): boolean {
    return typeof zone === 'string' && zone.length <= 64 && IANAZone.isValidZone(zone);
  }

  private zone(name: string): IANAZone {
    return this.zoneCache.get(name) ?? boundedSet(this.zoneCache, name, IANAZone.create(name));
  }

  private dayOffset(zone: IANAZone, date: string, naiveMidnight: number): number | null {
    const key = `${zone.name}|${date}`;
    const cached = this.dayOffsets.get(key);
    if (cached !== undefined) return cached;
    // A day with the same offset 14 h before its start and 14 h after its end has no transition in it.
    const before = zone.offset(naiveMidnight - 14 * HOUR_MS);
    const after = zone.offset(naiveMidnight + DAY_MS + 14 * HOUR_MS);
    return boundedSet(this.dayOffsets, key, before === after ? before : null);
  }

  toInstant(date: string, minuteOfDay: number, zoneName: string): number | null {
    const zone = this.zone(zoneName);
    const naiveMidnight = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
    const naive = naiveMidnight + minuteOfDay * MINUTE_MS;
    const steady = this.dayOffset(zone, date, naiveMidnight);
    if (steady !== null) return naive - steady * MINUTE_MS;
    // A transition day: try the offsets in force before and after; a wall time is real when the zone agrees
    // with the offset we assumed. None agreeing means the time was skipped; two means it repeats (take the first).
    const candidates = [zone.offset(naive - DAY_MS), zone.offset(naive + DAY_MS)]
      .map((offset) => naive - offset * MINUTE_MS)
      .filter((instant) => naive - instant === zone.offset(instant) * MINUTE_MS)
      .sort((a, b) => a - b);
    return candidates.length ? candidates[0] : null;
  }

  private offsetAt(zone: IANAZone, instant: number): number {
    const hour = Math.floor(instant / HOUR_MS);
    const key = `${zone.name}|${hour}`;
    let cached = this.hourOffsets.get(key);
    if (cached === undefined) {
      const start = zone.offset(hour * HOUR_MS);
      cached = boundedSet(this.hourOffsets, key, start === zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? start : null);
    }
    return cached ?? zone.offset(instant);
  }

  toLocal(instant: number, zoneName: string): LocalReading {
    const wall = new Date(instant + this.offsetAt(this.zone(zoneName), instant) * MINUTE_MS);
    return {
      date: wall.toISOString().slice(0, 10),
      minute: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
    };
  }

  formatWithOffset(instant: number, zoneName: string): string {
    const offset = this.offsetAt(this.zone(zoneName), instant);
    const wall = new Date(instant + offset * MINUTE_MS).toISOString().slice(0, 19);
    const abs = Math.abs(offset);
    return `${wall}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
}
