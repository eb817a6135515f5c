import { Actor, isBoundByChangePolicy } from '../../domain/actor';
import {
  Booking,
  BOOKING_STATUSES,
  BookingStatus,
  CustomerFields,
  diffBookings,
  eventTypeForChanges,
  isOccupying,
  validateCustomerFields,
} from '../../domain/booking';
import { assertWithinDay, PlacedSpan } from '../../domain/booking-policy';
import { assertInTimeToChange, ChangePolicy, NO_CHANGE_POLICY } from '../../domain/change-policy';
import {
  BookingCancelledError,
  BookingNotFoundError,
  BookingNotPendingError,
  HoldExpiredError,
  HoldNotFoundError,
  ServiceNotFoundError,
  ValidationError,
  VersionMismatchError,
} from '../../domain/errors';
import { isHoldLive } from '../../domain/hold';
import { assertDate, formatMinutesWithSeconds, parseRequestTime } from '../../domain/local-date';
import { assertDuration } from '../../domain/provider';
import { pinsByPool, Service } from '../../domain/service';
import { TimeZones } from '../../domain/time-zones';
import { requireAdmin, sameSecret, visibleBooking } from '../access';
import { decodeCursor, encodeCursor, Page } from '../cursor';
import { assertIdempotencyKey, canonicalJson, IdempotentExecution, OutcomeCodec, RecordOutcome } from '../idempotency';
import { Placer, Target } from '../placement';
import { BookingEvent } from '../ports/booking-event-log';
import { BookingQuery, EventActor, EventRecord, NewBooking, StoredView, WriteBasis } from '../ports/booking-repository';
import { Clock } from '../ports/clock';
import { ManageTokens } from '../ports/manage-tokens';
import { Secrets } from '../ports/secrets';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';
import { bookingViewWithoutId } from '../views';

/** What a write records as the actor of its event. */
export function eventActorOf(actor: Actor): EventActor {
  return actor.role === 'customer' ? 'customer' : actor.keyId;
}

export interface BookingRequestBase {
  actor: Actor;
  customerName?: string | null;
  customerEmail?: string | null;
  notes?: string | null;
  /** Makes retries safe: the same key with the same input replays the first outcome. */
  idempotencyKey?: string;
}

/** A booking of one provider at its local date and time (`HH:MM` or `HH:MM:00`). */
export interface ProviderBookingInput extends BookingRequestBase {
  providerId: number;
  date: string;
  time: string;
  durationMinutes?: number;
}

/** A booking of a service at its local date and time; `providerIds` pins providers of some pools. */
export interface ServiceBookingInput extends BookingRequestBase {
  serviceId: number;
  date: string;
  time: string;
  providerIds?: number[];
}

/** A live hold of the caller, turned into a booking of exactly its span and providers. */
export interface HoldBookingInput extends BookingRequestBase {
  holdId: number;
}

export type CreateBookingInput = ProviderBookingInput | ServiceBookingInput | HoldBookingInput;

/** A new booking with the token that lets its customer manage it, shown only now. */
export type CreatedBooking = Booking & { manageToken: string };

/**
 * A new booking as an idempotency record keeps it: without its manage token, which a replay derives again (a record
 * written before tokens were derived keeps the one it holds).
 */
export function createdBookingCodec(tokens: ManageTokens): OutcomeCodec<CreatedBooking> {
  return {
    encode: ({ manageToken: _token, ...booking }) => booking,
    decode: (stored) => {
      const booking = stored as Booking & { manageToken?: string };
      return { ...booking, manageToken: booking.manageToken ?? tokens.forBooking(booking.id) };
    },
  };
}

/** A request's local date and start, checked. */
function readSlot(input: { date: string; time: string }): { date: string; startMinute: number } {
  assertDate(input.date);
  return { date: input.date, startMinute: parseRequestTime(input.time) };
}

/** The service of a request, visible to every route while it is not deleted. */
async function serviceOf(repos: Repositories, serviceId: number, includeDeleted = false): Promise<Service> {
  const service = await repos.services.getById(serviceId, includeDeleted);
  if (!service) throw new ServiceNotFoundError();
  return service;
}

/** What a request asks to take, with the checks that need nothing but the request and the service. */
export async function targetOf(repos: Repositories, input: ProviderBookingInput | ServiceBookingInput): Promise<{ target: Target; service: Service | null }> {
  if ('serviceId' in input) {
    const service = await serviceOf(repos, input.serviceId);
    const pins = pinsByPool(service, input.providerIds ?? []);
    return { target: { kind: 'service', service, pins }, service };
  }
  if (input.durationMinutes !== undefined) assertDuration(input.durationMinutes);
  return { target: { kind: 'provider', providerId: input.providerId, durationMinutes: input.durationMinutes }, service: null };
}

/** A booking as its caller makes it, and its event. Its manage token is derived from its id once it has one. */
export function newBooking(
  input: {
    providerIds: readonly number[];
    span: PlacedSpan;
    timezone: string;
    serviceId: number | null;
    seriesId: number | null;
    pending: boolean;
    customer: CustomerFields;
    actor: Actor;
    now: number;
  },
): { booking: NewBooking; event: EventRecord } {
  const { span, customer, now } = input;
  const booking: NewBooking = {
    providerId: input.providerIds[0],
    providerIds: [...input.providerIds],
    serviceId: input.serviceId,
    seriesId: input.seriesId,
    date: span.date,
    startMinute: span.startMinute,
    durationMinutes: span.durationMinutes,
    endMinute: span.endMinute,
    startsAt: span.startsAt,
    endsAt: span.endsAt,
    timezone: input.timezone,
    status: input.pending ? 'pending' : 'active',
    customerName: customer.customerName ?? null,
    customerEmail: customer.customerEmail ?? null,
    notes: customer.notes ?? null,
    createdBy: input.actor.keyId,
    version: 1,
    createdAt: now,
    updatedAt: now,
    cancelledAt: null,
    manageTokenHash: null,
  };
  return { booking, event: { type: 'booking.created', at: now, actor: eventActorOf(input.actor), changes: {} } };
}

export class CreateBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
    private readonly secrets: Secrets,
    private readonly tokens: ManageTokens,
    private readonly idempotency: IdempotentExecution,
  ) {}

  async execute(input: CreateBookingInput): Promise<CreatedBooking> {
    if (input.idempotencyKey === undefined) return this.create(input);
    assertIdempotencyKey(input.idempotencyKey);
    const { actor, idempotencyKey, ...request } = input;
    return this.idempotency.run(
      { scope: `key:${actor.keyId ?? 'system'}`, key: idempotencyKey, fingerprint: this.secrets.hash(canonicalJson(request)) },
      createdBookingCodec(this.tokens),
      (record) => this.create(input, record),
    );
  }

  private async create(input: CreateBookingInput, record?: RecordOutcome<CreatedBooking>): Promise<CreatedBooking> {
    const customer = validateCustomerFields(input);
    if ('holdId' in input) return this.fromHold(input, customer, record);
    const slot = readSlot(input);
    if ('providerId' in input && input.durationMinutes !== undefined) {
      assertDuration(input.durationMinutes);
      assertWithinDay(slot.startMinute, input.durationMinutes);
    }
    const placer = new Placer(this.zones, input.actor);
    const work = async (repos: Repositories): Promise<CreatedBooking> => {
      const { target, service } = await targetOf(repos, input);
      const now = this.clock.now();
      const placed = await placer.place(repos, now, target, slot.date, slot.startMinute);
      const { booking, event } = newBooking({
        providerIds: placed.providerIds,
        span: placed.span,
        timezone: placed.timezone,
        serviceId: service?.id ?? null,
        seriesId: null,
        pending: service?.requiresConfirmation === true,
        customer,
        actor: input.actor,
        now,
      });
      const id = await repos.bookings.create(booking, placed.placements, event, bookingViewWithoutId(booking, this.zones), placed.basis);
      const created: CreatedBooking = { ...booking, id, manageToken: this.tokens.forBooking(id) };
      if (record) await record(repos, created);
      return created;
    };
    return record ? this.uow.run(work) : this.uow.decide(work);
  }

  private async fromHold(input: HoldBookingInput, customer: CustomerFields, record?: RecordOutcome<CreatedBooking>): Promise<CreatedBooking> {
    return this.uow.run(async (repos) => {
      const hold = await repos.holds.getById(input.holdId);
      if (!hold || hold.createdBy !== input.actor.keyId) throw new HoldNotFoundError();
      const now = this.clock.now();
      if (!isHoldLive(hold, now)) throw new HoldExpiredError();
      const service = hold.serviceId === null ? null : await repos.services.getById(hold.serviceId, true);
      const { booking, event } = newBooking({
        providerIds: hold.providerIds,
        span: hold,
        timezone: hold.timezone,
        serviceId: hold.serviceId,
        seriesId: null,
        pending: service?.requiresConfirmation === true,
        customer,
        actor: input.actor,
        now,
      });
      const id = await repos.bookings.createFromHold(hold.id, now, booking, event, bookingViewWithoutId(booking, this.zones));
      const created: CreatedBooking = { ...booking, id, manageToken: this.tokens.forBooking(id) };
      if (record) await record(repos, created);
      return created;
    });
  }
}

export class GetBooking {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<Booking> {
    return visibleBooking(input.actor, await this.store.bookings.getById(input.id));
  }
}

const FIELD_NAMES = { durationMinutes: 'duration_minutes', customerName: 'customer_name', customerEmail: 'customer_email', notes: 'notes' } as const;

export class IdentifyCustomer {
  constructor(
    private readonly store: Repositories,
    private readonly secrets: Secrets,
    private readonly tokens: ManageTokens,
  ) {}

  /**
   * The customer of booking `id`, proved by its manage token; any other token is BOOKING_NOT_FOUND. The token is the
   * one derived from the id, or, for a booking made before tokens were derived, the one whose hash it stores.
   */
  async execute(input: { bookingId: number; token: string }): Promise<Actor> {
    const booking = await this.store.bookings.getById(input.bookingId);
    if (!booking) throw new BookingNotFoundError();
    const derived = sameSecret(input.token, this.tokens.forBooking(booking.id));
    const stored = booking.manageTokenHash !== null && sameSecret(this.secrets.hash(input.token), booking.manageTokenHash);
    if (!derived && !stored) throw new BookingNotFoundError();
    return { keyId: null, role: 'customer', bookingId: booking.id };
  }
}

export interface ListBookingsInput {
  actor: Actor;
  providerId?: number;
  serviceId?: number;
  from?: string;
  to?: string;
  status?: BookingStatus | 'all';
  limit?: number;
  cursor?: string;
}

export class ListBookings {
  constructor(private readonly store: Repositories) {}

  /** A page of bookings as the API shows them (JSON text of each `BookingView`, exactly as stored with its last change). */
  async execute(input: ListBookingsInput): Promise<Page<string>> {
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
    if (status !== 'all' && !BOOKING_STATUSES.includes(status)) {
      throw new ValidationError(`status must be one of ${BOOKING_STATUSES.join(', ')} or all`, { field: 'status' });
    }
    if (input.actor.role === 'customer') throw new BookingNotFoundError();
    const query: BookingQuery = {
      providerId: input.providerId,
      serviceId: input.serviceId,
      createdBy: input.actor.role === 'admin' ? undefined : (input.actor.keyId ?? -1),
      fromDate: input.from,
      toDate: input.to,
      status,
      limit: limit + 1,
    };
    const scope = `bookings|${query.providerId ?? ''}|${query.serviceId ?? ''}|${query.createdBy ?? ''}|${query.fromDate ?? ''}|${query.toDate ?? ''}|${status}`;
    if (input.cursor !== undefined) {
      const [startsAt, id] = decodeCursor(input.cursor, scope, ['number', 'number']) as number[];
      query.after = { startsAt, id };
    }
    const rows: StoredView[] = await this.store.bookings.listViews(query);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map((r) => r.json), nextCursor: rows.length > limit ? encodeCursor([last.startsAt, last.id], scope) : null };
  }
}

/** The change policy a booking is bound by now: its service's, or its provider's schedule's. */
export async function policyOfBooking(repos: Repositories, booking: Booking): Promise<ChangePolicy> {
  if (booking.serviceId !== null) {
    const service = await repos.services.getById(booking.serviceId, true);
    return service ?? NO_CHANGE_POLICY;
  }
  const schedule = await repos.schedules.get(booking.providerId);
  return schedule ? schedule.props : NO_CHANGE_POLICY;
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

/** The change a caller may not make on a final booking. */
function assertNotFinal(booking: Booking): void {
  if (!isOccupying(booking.status)) throw new BookingCancelledError();
}

export class UpdateBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  async execute(input: UpdateBookingInput): Promise<Booking> {
    const { changes, actor } = input;
    if (changes.date !== undefined) assertDate(changes.date);
    const newStart = changes.time !== undefined ? parseRequestTime(changes.time) : undefined;
    if (changes.durationMinutes !== undefined) assertDuration(changes.durationMinutes);
    const customer = validateCustomerFields(changes);
    if (actor.role === 'customer') {
      const refused = (['durationMinutes', 'customerName', 'customerEmail', 'notes'] as const).find((f) => changes[f] !== undefined);
      if (refused) throw new ValidationError('A customer may change only the date and time', { field: FIELD_NAMES[refused] });
    }
    const placer = new Placer(this.zones, actor);
    return this.uow.run(async (repos) => {
      const current = visibleBooking(actor, await repos.bookings.getForUpdate(input.id));
      if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
        throw new VersionMismatchError(current.version);
      }
      assertNotFinal(current);
      if (current.serviceId !== null && changes.durationMinutes !== undefined) {
        throw new ValidationError('duration_minutes is the service’s; it cannot be changed on a service booking', { field: 'duration_minutes' });
      }
      const date = changes.date ?? current.date;
      const startMinute = newStart ?? current.startMinute;
      const durationMinutes = changes.durationMinutes ?? current.durationMinutes;
      const moved = date !== current.date || startMinute !== current.startMinute || durationMinutes !== current.durationMinutes;
      let next: Booking = { ...current, ...customer };
      if (!moved && Object.keys(diffBookings(current, next, formatMinutesWithSeconds)).length === 0) return current;
      const now = this.clock.now();
      if (moved && isBoundByChangePolicy(actor)) assertInTimeToChange(await policyOfBooking(repos, current), 'reschedule', current.startsAt, now);
      let placements = null;
      let basis: WriteBasis = { revisions: new Map(), expired: [] };
      if (moved) {
        // A service's later changes apply to new bookings only: a moved booking keeps its duration and zone.
        const target: Target =
          current.serviceId === null
            ? { kind: 'provider', providerId: current.providerId, durationMinutes }
            : { kind: 'service', service: { ...(await serviceOf(repos, current.serviceId, true)), durationMinutes: current.durationMinutes, timezone: current.timezone } };
        if (target.kind === 'provider') assertWithinDay(startMinute, durationMinutes);
        const placed = await placer.place(repos, now, target, date, startMinute, {
          excludeBookingId: current.id,
          keep: new Set(current.providerIds),
        });
        next = { ...next, ...placed.span, timezone: placed.timezone, providerIds: placed.providerIds, providerId: placed.providerIds[0] };
        placements = placed.placements;
        basis = placed.basis;
      }
      next = { ...next, version: current.version + 1, updatedAt: now };
      const diff = diffBookings(current, next, formatMinutesWithSeconds);
      const event = { type: eventTypeForChanges(diff), at: now, actor: eventActorOf(actor), changes: diff };
      await repos.bookings.update(next, placements, event, bookingViewWithoutId(next, this.zones), basis);
      return next;
    });
  }
}

/** Writes a booking's move to a final or confirmed state, with its event. */
export async function settleBooking(repos: Repositories, zones: TimeZones, current: Booking, status: BookingStatus, actor: Actor, now: number, type: BookingEvent['type']): Promise<Booking> {
  const next: Booking = {
    ...current,
    status,
    cancelledAt: status === 'cancelled' ? now : current.cancelledAt,
    updatedAt: now,
    version: current.version + 1,
  };
  const event = { type, at: now, actor: eventActorOf(actor), changes: diffBookings(current, next, formatMinutesWithSeconds) };
  await repos.bookings.update(next, null, event, bookingViewWithoutId(next, zones), { revisions: new Map(), expired: [] });
  return next;
}

export class CancelBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Cancels the booking and frees its span at once; cancelling a cancelled or declined booking changes and records nothing. */
  async execute(input: { actor: Actor; id: number }): Promise<Booking> {
    return this.uow.run(async (repos) => {
      const current = visibleBooking(input.actor, await repos.bookings.getForUpdate(input.id));
      if (!isOccupying(current.status)) return current;
      const now = this.clock.now();
      if (isBoundByChangePolicy(input.actor)) assertInTimeToChange(await policyOfBooking(repos, current), 'cancel', current.startsAt, now);
      return settleBooking(repos, this.zones, current, 'cancelled', input.actor, now, 'booking.cancelled');
    });
  }
}

export class DecideBooking {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Confirms (active) or declines (final, its span freed at once) a pending booking; admins only. */
  async execute(input: { actor: Actor; id: number; decision: 'confirm' | 'decline' }): Promise<Booking> {
    requireAdmin(input.actor);
    return this.uow.run(async (repos) => {
      const current = visibleBooking(input.actor, await repos.bookings.getForUpdate(input.id));
      if (current.status !== 'pending') throw new BookingNotPendingError();
      const now = this.clock.now();
      return input.decision === 'confirm'
        ? settleBooking(repos, this.zones, current, 'active', input.actor, now, 'booking.confirmed')
        : settleBooking(repos, this.zones, current, 'declined', input.actor, now, 'booking.declined');
    });
  }
}

/** One entry of a booking's history as its reader sees it. */
export type HistoryEntry = Omit<BookingEvent, 'id'>;

export class GetBookingHistory {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<HistoryEntry[]> {
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

  /** Events of the feed after `after`; a client sees only its own bookings' events. */
  async execute(input: ListEventsInput): Promise<{ items: BookingEvent[]; nextAfter: number }> {
    const after = input.after ?? 0;
    const limit = input.limit ?? 100;
    if (!Number.isSafeInteger(after) || after < 0) throw new ValidationError('after must be a non-negative integer', { field: 'after' });
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidationError('limit must be an integer from 1 to 500', { field: 'limit' });
    }
    if (input.actor.role === 'customer') throw new BookingNotFoundError();
    const owner = input.actor.role === 'admin' ? undefined : (input.actor.keyId ?? -1);
    await this.store.events.publish();
    const items = await this.store.events.listAfter(after, limit, owner);
    return { items, nextAfter: items.length ? items[items.length - 1].id : after };
  }
}

