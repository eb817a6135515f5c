import { Actor, canSeeBooking } from '../../domain/actor';
import { Booking, BookingStatus, CustomerFields, diffBookings, eventTypeForChanges, validateCustomerFields } from '../../domain/booking';
import { assertWithinDay } from '../../domain/booking-policy';
import {
  BookingCancelledError,
  ProviderNotFoundError,
  SlotUnavailableError,
  ValidationError,
  VersionMismatchError,
} from '../../domain/errors';
import { assertDate, formatMinutesWithSeconds, parseRequestTime } from '../../domain/local-date';
import { assertDuration } from '../../domain/provider';
import { TimeZones } from '../../domain/time-zones';
import { visibleBooking } from '../access';
import { placeOnCalendar } from '../calendar';
import { decodeCursor, encodeCursor, Page } from '../cursor';
import { assertIdempotencyKey, canonicalJson, IdempotentExecution, OutcomeCodec, RecordOutcome } from '../idempotency';
import { BookingEvent } from '../ports/booking-event-log';
import { BookingQuery } from '../ports/booking-repository';
import { Clock } from '../ports/clock';
import { Secrets } from '../ports/secrets';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';
import { bookingView } from '../views';

export interface CreateBookingInput {
  actor: Actor;
  providerId: number;
  date: string;
  /** `HH:MM` or `HH:MM:00`, provider-local. */
  time: string;
  durationMinutes?: number;
  customerName?: string | null;
  customerEmail?: string | null;
  notes?: string | null;
  /** Makes retries safe: the same key with the same input replays the first outcome. */
  idempotencyKey?: string;
}

const bookingCodec: OutcomeCodec<Booking> = {
  encode: (b) => b,
  decode: (stored) => stored as Booking,
};

/** When the caller may not see the booking in the way, the refusal does not name it. */
async function hideForeignConflict(repos: Repositories, actor: Actor, error: unknown): Promise<never> {
  if (error instanceof SlotUnavailableError && error.conflictingBookingId !== undefined && actor.role !== 'admin') {
    const other = await repos.bookings.getById(error.conflictingBookingId);
    if (!other || !canSeeBooking(actor, other.createdBy)) throw error.withoutDetails();
  }
  throw error;
}

export class CreateBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
    private readonly secrets: Secrets,
    private readonly idempotency: IdempotentExecution,
  ) {}

  async execute(input: CreateBookingInput): Promise<Booking> {
    if (input.idempotencyKey === undefined) return this.create(input);
    assertIdempotencyKey(input.idempotencyKey);
    const { actor, idempotencyKey, ...request } = input;
    return this.idempotency.run(
      {
        scope: `key:${actor.keyId ?? 'system'}`,
        key: idempotencyKey,
        fingerprint: this.secrets.hash(canonicalJson(request)),
      },
      bookingCodec,
      (record) => this.create(input, record),
    );
  }

  private async create(input: CreateBookingInput, record?: RecordOutcome<Booking>): Promise<Booking> {
    assertDate(input.date);
    const startMinute = parseRequestTime(input.time);
    if (input.durationMinutes !== undefined) assertDuration(input.durationMinutes);
    const customer = validateCustomerFields(input);
    if (input.durationMinutes !== undefined) assertWithinDay(startMinute, input.durationMinutes);
    try {
      return await this.uow.run(async (repos) => {
        const provider = await repos.providers.lockCalendar(input.providerId);
        if (!provider) throw new ProviderNotFoundError();
        const durationMinutes = input.durationMinutes ?? provider.defaultDurationMinutes;
        assertWithinDay(startMinute, durationMinutes);
        const now = this.clock.now();
        const span = await placeOnCalendar(repos, this.zones, provider, now, { date: input.date, startMinute, durationMinutes });
        const booking = await repos.bookings.insert({
          providerId: provider.id,
          ...span,
          timezone: provider.timezone,
          status: 'active',
          customerName: customer.customerName ?? null,
          customerEmail: customer.customerEmail ?? null,
          notes: customer.notes ?? null,
          createdBy: input.actor.keyId,
          version: 1,
          createdAt: now,
          updatedAt: now,
          cancelledAt: null,
        });
        await repos.events.append({
          type: 'booking.created',
          at: now,
          actor: input.actor.keyId,
          bookingId: booking.id,
          providerId: booking.providerId,
          bookingOwner: booking.createdBy,
          changes: {},
          booking: bookingView(booking, this.zones),
        });
        if (record) await record(repos, booking);
        return booking;
      });
    } catch (error) {
      return hideForeignConflict(this.store, input.actor, error);
    }
  }
}

export class GetBooking {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<Booking> {
    return visibleBooking(input.actor, await this.store.bookings.getById(input.id));
  }
}

export interface ListBookingsInput {
  actor: Actor;
  providerId?: number;
  from?: string;
  to?: string;
  status?: BookingStatus | 'all';
  limit?: number;
  cursor?: string;
}

export class ListBookings {
  constructor(private readonly store: Repositories) {}

  async execute(input: ListBookingsInput): Promise<Page<Booking>> {
    const limit = input.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new ValidationError('limit must be an integer from 1 to 200', { field: 'limit' });
    }
    if (input.from !== undefined) assertDate(input.from, 'from');
    if (input.to !== undefined) assertDate(input.to, 'to');
    if (input.from !== undefined && input.to !== undefined && input.from > input.to) {
      throw new ValidationError('from must not be after to', { field: 'from' });
    }
    const status = input.status ?? 'active';
    if (!['active', 'cancelled', 'all'].includes(status)) {
      throw new ValidationError('status must be active, cancelled or all', { field: 'status' });
    }
    const query: BookingQuery = {
      providerId: input.providerId,
      createdBy: input.actor.role === 'admin' ? undefined : (input.actor.keyId ?? -1),
      fromDate: input.from,
      toDate: input.to,
      status,
      limit: limit + 1,
    };
    const scope = `bookings|${query.providerId ?? ''}|${query.createdBy ?? ''}|${query.fromDate ?? ''}|${query.toDate ?? ''}|${status}`;
    if (input.cursor !== undefined) {
      const [startsAt, id] = decodeCursor(input.cursor, scope, ['number', 'number']) as number[];
      query.after = { startsAt, id };
    }
    const rows = await this.store.bookings.list(query);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit ? encodeCursor([last.startsAt, last.id], scope) : null };
  }
}

export interface UpdateBookingInput {
  actor: Actor;
  id: number;
  changes: {
    date?: string;
    time?: string;
    durationMinutes?: number;
  } & CustomerFields;
  /** The version the caller last saw (`If-Match`); a stale one is refused. */
  expectedVersion?: number;
}

export class UpdateBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  async execute(input: UpdateBookingInput): Promise<Booking> {
    const { changes } = input;
    if (changes.date !== undefined) assertDate(changes.date);
    const newStart = changes.time !== undefined ? parseRequestTime(changes.time) : undefined;
    if (changes.durationMinutes !== undefined) assertDuration(changes.durationMinutes);
    const customer = validateCustomerFields(changes);
    try {
      return await this.uow.run(async (repos) => {
        const current = visibleBooking(input.actor, await repos.bookings.getForUpdate(input.id));
        if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
          throw new VersionMismatchError(current.version);
        }
        if (current.status === 'cancelled') throw new BookingCancelledError();
        const date = changes.date ?? current.date;
        const startMinute = newStart ?? current.startMinute;
        const durationMinutes = changes.durationMinutes ?? current.durationMinutes;
        const moved = date !== current.date || startMinute !== current.startMinute || durationMinutes !== current.durationMinutes;
        let next: Booking = { ...current, ...customer };
        const touched = moved || Object.keys(diffBookings(current, next, formatMinutesWithSeconds)).length > 0;
        if (!touched) return current;
        const provider = await repos.providers.lockCalendar(current.providerId);
        if (!provider) throw new ProviderNotFoundError();
        const now = this.clock.now();
        if (moved) {
          assertWithinDay(startMinute, durationMinutes);
          const span = await placeOnCalendar(repos, this.zones, provider, now, { date, startMinute, durationMinutes }, current.id);
          next = { ...next, ...span, timezone: provider.timezone };
        }
        next = { ...next, version: current.version + 1, updatedAt: now };
        const saved = await repos.bookings.update(next);
        const diff = diffBookings(current, saved, formatMinutesWithSeconds);
        await repos.events.append({
          type: eventTypeForChanges(diff),
          at: now,
          actor: input.actor.keyId,
          bookingId: saved.id,
          providerId: saved.providerId,
          bookingOwner: saved.createdBy,
          changes: diff,
          booking: bookingView(saved, this.zones),
        });
        return saved;
      });
    } catch (error) {
      return hideForeignConflict(this.store, input.actor, error);
    }
  }
}

export class CancelBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Cancels the booking and frees its span at once; cancelling again changes and records nothing. */
  async execute(input: { actor: Actor; id: number }): Promise<Booking> {
    return this.uow.run(async (repos) => {
      const current = visibleBooking(input.actor, await repos.bookings.getForUpdate(input.id));
      if (current.status === 'cancelled') return current;
      await repos.providers.lockCalendar(current.providerId);
      const now = this.clock.now();
      const saved = await repos.bookings.update({
        ...current,
        status: 'cancelled',
        cancelledAt: now,
        updatedAt: now,
        version: current.version + 1,
      });
      await repos.events.append({
        type: 'booking.cancelled',
        at: now,
        actor: input.actor.keyId,
        bookingId: saved.id,
        providerId: saved.providerId,
        bookingOwner: saved.createdBy,
        changes: diffBookings(current, saved, formatMinutesWithSeconds),
        booking: bookingView(saved, this.zones),
      });
      return saved;
    });
  }
}

export class GetBookingHistory {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<BookingEvent[]> {
    visibleBooking(input.actor, await this.store.bookings.getById(input.id));
    return this.store.events.historyOf(input.id);
  }
}

export interface ListEventsInput {
  actor: Actor;
  after?: number;
  limit?: number;
}

export class ListEvents {
  constructor(private readonly store: Repositories) {}

  /** Events in id order after `after`; a client sees only its own bookings' events. */
  async execute(input: ListEventsInput): Promise<{ items: BookingEvent[]; nextAfter: number }> {
    const after = input.after ?? 0;
    const limit = input.limit ?? 100;
    if (!Number.isSafeInteger(after) || after < 0) throw new ValidationError('after must be a non-negative integer', { field: 'after' });
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidationError('limit must be an integer from 1 to 500', { field: 'limit' });
    }
    const owner = input.actor.role === 'admin' ? undefined : (input.actor.keyId ?? -1);
    const items = await this.store.events.listAfter(after, limit, owner);
    return { items, nextAfter: items.length ? items[items.length - 1].id : after };
  }
}
