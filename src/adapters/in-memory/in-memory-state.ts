import { ApiKey } from '../../domain/api-key';
import { BookingEvent } from '../../application/ports/booking-event-log';
import { StoredOutcome } from '../../application/ports/idempotency-store';
import { Booking } from '../../domain/booking';
import { Hold } from '../../domain/hold';
import { Occupancy } from '../../domain/occupancy';
import { Provider } from '../../domain/provider';
import { Schedule } from '../../domain/schedule';
import { Series } from '../../domain/series';
import { Service } from '../../domain/service';

/** An occupancy as stored: released ones stay, as in the databases. */
export interface StoredOccupancy extends Occupancy {
  status: 'occupying' | 'released';
}

/** An event as stored: its position in the feed is its id. */
export type StoredEvent = BookingEvent;

export interface IdempotencyRecord {
  fingerprint: string;
  state: 'pending' | 'done';
  outcome: StoredOutcome | null;
  claimedAt: number;
  expiresAt: number;
}

/** Everything an in-memory store holds. */
export class InMemoryState {
  providers = new Map<number, Provider>();
  bookings = new Map<number, Booking>();
  /** Each booking's view as JSON text, written with every change. */
  views = new Map<number, string>();
  occupancies = new Map<number, StoredOccupancy>();
  services = new Map<number, Service & { deletedAt: number | null }>();
  holds = new Map<number, Hold>();
  series = new Map<number, Series>();
  events: StoredEvent[] = [];
  schedules = new Map<number, Schedule>();
  idempotency = new Map<string, IdempotencyRecord>();
  apiKeys = new Map<number, { key: ApiKey; hash: string }>();
  sequences = { provider: 0, booking: 0, occupancy: 0, service: 0, hold: 0, series: 0, event: 0, apiKey: 0 };

  snapshot(): InMemoryState {
    const copy = new InMemoryState();
    copy.providers = new Map(this.providers);
    copy.bookings = new Map(this.bookings);
    copy.views = new Map(this.views);
    copy.occupancies = new Map(this.occupancies);
    copy.services = new Map(this.services);
    copy.holds = new Map(this.holds);
    copy.series = new Map(this.series);
    copy.events = [...this.events];
    copy.schedules = new Map(this.schedules);
    copy.idempotency = new Map(this.idempotency);
    copy.apiKeys = new Map(this.apiKeys);
    copy.sequences = { ...this.sequences };
    return copy;
  }

  restore(from: InMemoryState): void {
    Object.assign(this, from.snapshot());
  }

  /**
   * This state as one transaction sees it: writes land at once, and `undo` collects how to take back only
   * this transaction's writes, so a rollback never erases what others wrote meanwhile. Ids are not given back.
   */
  journaled(undo: (() => void)[]): InMemoryState {
    const view = new InMemoryState();
    const live = this as unknown as Record<string, unknown>;
    for (const field of Object.keys(this)) {
      const value = live[field];
      if (value instanceof Map) {
        Object.defineProperty(view, field, { value: journaledMap(value, undo) });
      } else if (Array.isArray(value)) {
        Object.defineProperty(view, field, {
          get: () => live[field],
          set: (next: unknown[]) => {
            const before = new Set(live[field] as unknown[]);
            const added = new Set(next.filter((item) => !before.has(item)));
            live[field] = next;
            undo.push(() => {
              live[field] = (live[field] as unknown[]).filter((item) => !added.has(item));
            });
          },
        });
      } else {
        Object.defineProperty(view, field, { value });
      }
    }
    return view;
  }
}

function journaledMap<K, V>(live: Map<K, V>, undo: (() => void)[]): Map<K, V> {
  const restoreKey = (key: K) => {
    const had = live.has(key);
    const old = live.get(key) as V;
    return () => (had ? live.set(key, old) : live.delete(key));
  };
  return new Proxy(live, {
    get(target, prop) {
      if (prop === 'set') {
        return (key: K, value: V) => {
          undo.push(restoreKey(key));
          target.set(key, value);
          return target;
        };
      }
      if (prop === 'delete') {
        return (key: K) => {
          undo.push(restoreKey(key));
          return target.delete(key);
        };
      }
      if (prop === 'clear') {
        return () => {
          for (const key of [...target.keys()]) {
            undo.push(restoreKey(key));
            target.delete(key);
          }
        };
      }
      const member = Reflect.get(target, prop, target);
      return typeof member === 'function' ? member.bind(target) : member;
    },
  });
}
