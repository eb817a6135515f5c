/** A wall-clock reading of an instant in some zone. */
export interface LocalReading {
  date: string;
  /** Minutes since local midnight. */
  minute: number;
}

/**
 * The time-zone database as the domain needs it. The domain never computes offsets itself: it asks this.
 */
export interface TimeZones {
  /** True when `zone` is an IANA zone name the database knows. */
  isValid(zone: string): boolean;
  /** The instant (epoch ms) of a local wall time; null when the wall time does not exist; its first occurrence when repeated. */
  toInstant(date: string, minuteOfDay: number, zone: string): number | null;
  /** The local wall clock of an instant. */
  toLocal(instant: number, zone: string): LocalReading;
  /** ISO 8601 with the zone's offset at that instant, e.g. `2027-03-28T09:00:00+02:00` (`+00:00`, never `Z`). */
  formatWithOffset(instant: number, zone: string): string;
}
