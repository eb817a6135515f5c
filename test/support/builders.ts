import { HmacManageTokens } from '../../src/adapters/system/hmac-manage-tokens';
import { randomBytes } from 'node:crypto';
import { InMemoryState } from '../../src/adapters/in-memory/in-memory-state';
import { InMemoryUnitOfWork, inMemoryRepositories } from '../../src/adapters/in-memory/in-memory-unit-of-work';
import { NodeCryptoSecrets } from '../../src/adapters/system/node-crypto-secrets';
import { FixedClock } from '../../src/adapters/system/system-clock';
import { LuxonTimeZones } from '../../src/adapters/time/luxon-time-zones';
import { IdempotentExecution } from '../../src/application/idempotency';
import { EventRecord, NewBooking, WriteBasis } from '../../src/application/ports/booking-repository';
import { NewProvider } from '../../src/application/ports/provider-repository';
import { Repositories } from '../../src/application/ports/unit-of-work';
import {
  CreateBooking,
  ProviderBookingInput,
  CreateProvider,
  createCoreUseCases,
} from '../../src/application/use-cases';
import { bookingViewWithoutId } from '../../src/application/views';
import { Actor } from '../../src/domain/actor';
import { Booking, BookingEventType, BookingStatus } from '../../src/domain/booking';
import { parseRequestTime } from '../../src/domain/local-date';
import { Placement } from '../../src/domain/occupancy';

/** The default "now" of unit and contract tests: well before the dates they book. */
export const NOW = Date.parse('2027-01-04T08:00:00Z');

export const zones = new LuxonTimeZones();

/** A value no other test (or parallel test file) will make. */
export function unique(prefix = 'x'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export const ADMIN: Actor = Object.freeze({ keyId: 1, role: 'admin' as const });

export function aClient(keyId: number): Actor {
  return { keyId, role: 'client' };
}

class ProviderBuilder {
  private fields: NewProvider = {
    name: 'Ada Lovelace',
    email: `${unique('ada')}@example.com`,
    timezone: 'UTC',
    defaultDurationMinutes: 30,
    capacity: 1,
    calendarToken: unique('cal'),
    createdAt: NOW,
  };

  named(name: string): this {
    this.fields.name = name;
    return this;
  }

  withEmail(email: string): this {
    this.fields.email = email;
    return this;
  }

  inZone(timezone: string): this {
    this.fields.timezone = timezone;
    return this;
  }

  withDefaultDuration(minutes: number): this {
    this.fields.defaultDurationMinutes = minutes;
    return this;
  }

  withCapacity(capacity: number): this {
    this.fields.capacity = capacity;
    return this;
  }

  createdAt(instant: number): this {
    this.fields.createdAt = instant;
    return this;
  }

  /** The repository's input. */
  build(): NewProvider {
    return { ...this.fields };
  }

  /** The CreateProvider use case's input. */
  request(actor: Actor = ADMIN) {
    const { name, email, timezone, defaultDurationMinutes, capacity } = this.fields;
    return { actor, name, email, timezone, defaultDurationMinutes, capacity };
  }
}

export function aProvider(): ProviderBuilder {
  return new ProviderBuilder();
}

class BookingBuilder {
  private providerId = 1;
  private timezone = 'UTC';
  private date = '2027-12-25';
  private time = '14:30';
  private durationMinutes = 30;
  private durationGiven = false;
  private bufferBefore = 0;
  private bufferAfter = 0;
  private status: BookingStatus = 'active';
  private cancelledAt: number | null = null;
  private owner: number | null = null;
  private customer = { customerName: null as string | null, customerEmail: null as string | null, notes: null as string | null };
  private version = 1;
  private created = NOW;
  private lane = 1;

  /** Books with `provider`, in its zone. */
  of(provider: { id: number; timezone: string }): this {
    this.providerId = provider.id;
    this.timezone = provider.timezone;
    return this;
  }

  forProvider(providerId: number): this {
    this.providerId = providerId;
    return this;
  }

  inZone(timezone: string): this {
    this.timezone = timezone;
    return this;
  }

  /** Provider-local date and `HH:MM` start. */
  at(date: string, time: string): this {
    this.date = date;
    this.time = time;
    return this;
  }

  lasting(minutes: number): this {
    this.durationMinutes = minutes;
    this.durationGiven = true;
    return this;
  }

  withBuffers(beforeMinutes: number, afterMinutes: number): this {
    this.bufferBefore = beforeMinutes;
    this.bufferAfter = afterMinutes;
    return this;
  }

  cancelled(at = NOW): this {
    this.status = 'cancelled';
    this.cancelledAt = at;
    return this;
  }

  pending(): this {
    this.status = 'pending';
    return this;
  }

  onLane(lane: number): this {
    this.lane = lane;
    return this;
  }

  createdBy(keyId: number | null): this {
    this.owner = keyId;
    return this;
  }

  withCustomer(name: string | null, email: string | null = null, notes: string | null = null): this {
    this.customer = { customerName: name, customerEmail: email, notes };
    return this;
  }

  atVersion(version: number): this {
    this.version = version;
    return this;
  }

  createdAt(instant: number): this {
    this.created = instant;
    return this;
  }

  /** The repository's input, placed in real time like the booking rule would. */
  build(): NewBooking {
    const startMinute = parseRequestTime(this.time);
    const startsAt = zones.toInstant(this.date, startMinute, this.timezone);
    if (startsAt === null) throw new Error(`${this.date} ${this.time} does not exist in ${this.timezone}`);
    const endsAt = startsAt + this.durationMinutes * 60_000;
    const end = zones.toLocal(endsAt, this.timezone);
    return {
      providerId: this.providerId,
      providerIds: [this.providerId],
      serviceId: null,
      seriesId: null,
      date: this.date,
      startMinute,
      durationMinutes: this.durationMinutes,
      endMinute: end.date === this.date ? end.minute : 1440,
      timezone: this.timezone,
      startsAt,
      endsAt,
      status: this.status,
      ...this.customer,
      createdBy: this.owner,
      version: this.version,
      createdAt: this.created,
      updatedAt: this.created,
      cancelledAt: this.cancelledAt,
      manageTokenHash: null,
    };
  }

  /** Where it occupies its provider: the span widened by the buffers, on the builder's lane (1 unless set). */
  placement(): Placement {
    const b = this.build();
    return { providerId: this.providerId, lane: this.lane, blockStart: b.startsAt - this.bufferBefore * 60_000, blockEnd: b.endsAt + this.bufferAfter * 60_000 };
  }

  /** The CreateBooking use case's input (the duration only when one was given). */
  request(actor: Actor = ADMIN, idempotencyKey?: string): ProviderBookingInput {
    const input: ProviderBookingInput = { actor, providerId: this.providerId, date: this.date, time: this.time };
    if (this.durationGiven) input.durationMinutes = this.durationMinutes;
    if (this.customer.customerName !== null) input.customerName = this.customer.customerName;
    if (this.customer.customerEmail !== null) input.customerEmail = this.customer.customerEmail;
    if (this.customer.notes !== null) input.notes = this.customer.notes;
    if (idempotencyKey !== undefined) input.idempotencyKey = idempotencyKey;
    return input;
  }
}

export function aBooking(): BookingBuilder {
  return new BookingBuilder();
}

/** The event a write records about a booking. */
export function anEvent(type: BookingEventType = 'booking.created', at = NOW, actor: EventRecord['actor'] = null): EventRecord {
  return { type, at, actor, changes: type === 'booking.created' ? {} : { notes: [null, 'changed'] } };
}

/** A basis that relies on nothing: what a write made outside any decision (tests, tools) carries. */
export const NO_BASIS: WriteBasis = Object.freeze({ revisions: new Map(), expired: [] });

/** Stores the builder's booking through the repository, occupying its provider (unless cancelled), with its event. */
export async function storeBooking(repos: Repositories, builder: BookingBuilder, event = anEvent()): Promise<Booking> {
  const booking = builder.build();
  const placements = booking.status === 'active' || booking.status === 'pending' ? [builder.placement()] : [];
  const id = await repos.bookings.create(booking, placements, event, bookingViewWithoutId(booking, zones), NO_BASIS);
  return { ...booking, id };
}

/** The use cases on in-memory adapters, a FixedClock and the real time-zone database. */
export function anInMemoryService(now = NOW) {
  const state = new InMemoryState();
  const store: Repositories = inMemoryRepositories(state);
  const uow = new InMemoryUnitOfWork(state);
  const clock = new FixedClock(now);
  const secrets = new NodeCryptoSecrets();
  // A duplicate that finds the first request still running answers at once: a FixedClock never reaches a wait deadline.
  const idempotency = new IdempotentExecution(store.idempotency, clock, { ttlMs: 24 * 3_600_000, waitMs: 0, staleAfterMs: 60_000 });
  return {
    state,
    store,
    uow,
    clock,
    useCases: createCoreUseCases({ uow, store, clock, zones, secrets, manageTokens: new HmacManageTokens(randomBytes(32)), idempotency }),
  };
}

export type InMemoryService = ReturnType<typeof anInMemoryService>;

