import { Actor, isBoundByChangePolicy } from '../../domain/actor';
import { Booking, isOccupying, validateCustomerFields } from '../../domain/booking';
import { assertWithinDay } from '../../domain/booking-policy';
import { assertInTimeToChange } from '../../domain/change-policy';
import { DomainError, SeriesNotFoundError, TooLateToChangeError } from '../../domain/errors';
import { assertDate, parseRequestTime } from '../../domain/local-date';
import { assertDuration } from '../../domain/provider';
import { occurrenceDates, Repeat, Series, validateRepeat } from '../../domain/series';
import { TimeZones } from '../../domain/time-zones';
import { assertIdempotencyKey, canonicalJson, IdempotentExecution, OutcomeCodec, RecordOutcome } from '../idempotency';
import { Placer } from '../placement';
import { Clock } from '../ports/clock';
import { ManageTokens } from '../ports/manage-tokens';
import { Secrets } from '../ports/secrets';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';
import { bookingViewWithoutId } from '../views';
import { CreatedBooking, createdBookingCodec, newBooking, policyOfBooking, settleBooking, targetOf } from './bookings';

/** The 422 codes: refusals by the timing rules (when a booking may be), the same for whoever books. */
/** The refusals that come from the calendar rules of a time (422), not from other bookings. */
export const TIMING_RULE_CODES: ReadonlySet<string> = new Set(['NONEXISTENT_LOCAL_TIME', 'IN_THE_PAST', 'TOO_SOON', 'TOO_FAR_AHEAD', 'OUTSIDE_WORKING_HOURS']);

/** An occurrence that could not be booked. */
export interface SkippedOccurrence {
  date: string;
  code: string;
}

/**
 * Some occurrence of a series cannot be booked: 409 SLOT_UNAVAILABLE, or, when every refusal is a timing rule,
 * the first occurrence's 422 code; `details.conflicts` lists every refused occurrence in date order.
 */
export class SeriesRefusedError extends DomainError {
  constructor(first: DomainError, conflicts: SkippedOccurrence[]) {
    const timingRulesOnly = conflicts.every((c) => TIMING_RULE_CODES.has(c.code));
    super(timingRulesOnly ? first.code : 'SLOT_UNAVAILABLE', timingRulesOnly ? first.message : 'This time slot is already booked', { conflicts });
  }
}

export interface SeriesRequestBase {
  actor: Actor;
  date: string;
  time: string;
  repeat: { frequency: string; interval?: number; count?: number; until?: string };
  /** Book the occurrences that can be booked and list the others, instead of booking none. */
  skipConflicts?: boolean;
  customerName?: string | null;
  customerEmail?: string | null;
  notes?: string | null;
  idempotencyKey?: string;
}

export type CreateSeriesInput =
  | (SeriesRequestBase & { providerId: number; durationMinutes?: number })
  | (SeriesRequestBase & { serviceId: number; providerIds?: number[] });

export interface CreatedSeries {
  series: Series;
  bookings: CreatedBooking[];
  skipped: SkippedOccurrence[];
}

/** A new series as an idempotency record keeps it: its bookings without their manage tokens (see `createdBookingCodec`). */
function createdSeriesCodec(tokens: ManageTokens): OutcomeCodec<CreatedSeries> {
  const booking = createdBookingCodec(tokens);
  return {
    encode: (created) => ({ ...created, bookings: created.bookings.map(booking.encode) }),
    decode: (stored) => {
      const created = stored as CreatedSeries;
      return { ...created, bookings: created.bookings.map(booking.decode) };
    },
  };
}

export class CreateSeries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
    private readonly secrets: Secrets,
    private readonly tokens: ManageTokens,
    private readonly idempotency: IdempotentExecution,
  ) {}

  async execute(input: CreateSeriesInput): Promise<CreatedSeries> {
    if (input.idempotencyKey === undefined) return this.create(input);
    assertIdempotencyKey(input.idempotencyKey);
    const { actor, idempotencyKey, ...request } = input;
    return this.idempotency.run(
      { scope: `key:${actor.keyId ?? 'system'}:series`, key: idempotencyKey, fingerprint: this.secrets.hash(canonicalJson(request)) },
      createdSeriesCodec(this.tokens),
      (record) => this.create(input, record),
    );
  }

  /** Every occurrence judged and booked in one transaction, each against the ones before it. */
  private async create(input: CreateSeriesInput, record?: RecordOutcome<CreatedSeries>): Promise<CreatedSeries> {
    const repeat: Repeat = validateRepeat(input.repeat);
    assertDate(input.date);
    const startMinute = parseRequestTime(input.time);
    const dates = occurrenceDates(input.date, repeat);
    const customer = validateCustomerFields(input);
    if ('providerId' in input && input.durationMinutes !== undefined) {
      assertDuration(input.durationMinutes);
      assertWithinDay(startMinute, input.durationMinutes);
    }
    const placer = new Placer(this.zones, input.actor);
    return this.uow.run(async (repos) => {
      const { target, service } = await targetOf(repos, input);
      const now = this.clock.now();
      const series = await repos.series.create({ repeat, createdBy: input.actor.keyId, createdAt: now });
      const bookings: CreatedBooking[] = [];
      const skipped: SkippedOccurrence[] = [];
      let first: DomainError | null = null;
      for (const date of dates) {
        let placed;
        try {
          placed = await placer.place(repos, now, target, date, startMinute);
        } catch (error) {
          // A refusal by a timing rule or by what is booked concerns this occurrence; anything else, the request.
          if (!(error instanceof DomainError) || (!TIMING_RULE_CODES.has(error.code) && error.code !== 'SLOT_UNAVAILABLE')) throw error;
          first ??= error;
          skipped.push({ date, code: error.code });
          continue;
        }
        const { booking, event } = newBooking({
          providerIds: placed.providerIds,
          span: placed.span,
          timezone: placed.timezone,
          serviceId: service?.id ?? null,
          seriesId: series.id,
          pending: service?.requiresConfirmation === true,
          customer,
          actor: input.actor,
          now,
        });
        const id = await repos.bookings.create(booking, placed.placements, event, bookingViewWithoutId(booking, this.zones), placed.basis);
        bookings.push({ ...booking, id, manageToken: this.tokens.forBooking(id) });
      }
      if (first && (!input.skipConflicts || bookings.length === 0)) throw new SeriesRefusedError(first, skipped);
      const created = { series, bookings, skipped };
      if (record) await record(repos, created);
      return created;
    });
  }
}

/** A series the actor may see (its own; admins any), or SERIES_NOT_FOUND. */
async function visibleSeries(repos: Repositories, actor: Actor, id: number): Promise<Series> {
  const series = await repos.series.getById(id);
  if (!series || (actor.role !== 'admin' && (actor.keyId === null || series.createdBy !== actor.keyId))) throw new SeriesNotFoundError();
  return series;
}

/** Every occurrence of a series, whatever its status, in date order. */
async function occurrencesOf(repos: Repositories, seriesId: number): Promise<Booking[]> {
  const all: Booking[] = [];
  let after: { startsAt: number; id: number } | undefined;
  for (;;) {
    const page = await repos.bookings.list({ seriesId, status: 'all', limit: 200, after });
    all.push(...page);
    if (page.length < 200) return all;
    after = { startsAt: page[page.length - 1].startsAt, id: page[page.length - 1].id };
  }
}

export class GetSeries {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor; id: number }): Promise<{ series: Series; bookings: Booking[] }> {
    const series = await visibleSeries(this.store, input.actor, input.id);
    return { series, bookings: await occurrencesOf(this.store, series.id) };
  }
}

export class CancelSeries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /**
   * Cancels every occurrence that has not started yet, in one transaction. For a client, occurrences already inside
   * the change policy's cancellation notice stay as they are.
   */
  async execute(input: { actor: Actor; id: number }): Promise<void> {
    await this.uow.run(async (repos) => {
      const series = await visibleSeries(repos, input.actor, input.id);
      const now = this.clock.now();
      for (const occurrence of await occurrencesOf(repos, series.id)) {
        if (!isOccupying(occurrence.status) || occurrence.startsAt <= now) continue;
        const current = await repos.bookings.getForUpdate(occurrence.id);
        if (!current || !isOccupying(current.status)) continue;
        if (isBoundByChangePolicy(input.actor)) {
          try {
            assertInTimeToChange(await policyOfBooking(repos, current), 'cancel', current.startsAt, now);
          } catch (error) {
            if (error instanceof TooLateToChangeError) continue;
            throw error;
          }
        }
        await settleBooking(repos, this.zones, current, 'cancelled', input.actor, now, 'booking.cancelled');
      }
    });
  }
}
