import { Actor, canSeeBooking } from '../domain/actor';
import { Admission, instantAtOrAfter, instantRangeOfDates, PlacedSpan, ProviderJudge, refusalToError, spanAt } from '../domain/booking-policy';
import { InThePastError, NonexistentLocalTimeError, OutsideWorkingHoursError, PoolUnavailableError, ProviderNotFoundError, SlotUnavailableError } from '../domain/errors';
import { addDays, formatMinutes, MINUTES_PER_DAY } from '../domain/local-date';
import { assignLanes, clusterAround, isLive, LaneChange, MAX_BLOCK_MS, Occupancy, Placement } from '../domain/occupancy';
import { chooseProviders, onServiceGrid, providersOf, Service } from '../domain/service';
import { TimeZones } from '../domain/time-zones';
import { ProviderAgenda } from './ports/agenda-repository';
import { WriteBasis } from './ports/booking-repository';
import { Repositories, StaleDecisionError } from './ports/unit-of-work';

/** What a request asks to take: one provider, or one provider of every pool of a service. */
export type Target =
  | { kind: 'provider'; providerId: number; durationMinutes?: number }
  | { kind: 'service'; service: Service; pins?: ReadonlyMap<number, number> };

/** A decided placement: the span, the providers taking it, and what the write must check and do. */
export interface Placed {
  span: PlacedSpan;
  timezone: string;
  providerIds: number[];
  placements: Placement[];
  basis: WriteBasis;
}

export interface PlaceOptions {
  /** A booking being moved: its own occupancies are not in its way, nor counted in a provider's load. */
  excludeBookingId?: number;
  /** Providers the booking already has, kept where they can take the new span. */
  keep?: ReadonlySet<number>;
}

/** The window of occupancies that can matter for a booking on a local date, in any zone. */
function windowOf(date: string): { from: number; to: number } {
  const range = instantRangeOfDates(date, date);
  return { from: range.start - 2 * MAX_BLOCK_MS, to: range.end + 2 * MAX_BLOCK_MS };
}

/**
 * The one booking rule applied to a request, inside the caller's unit of work: reads the providers' agendas, judges
 * the span in the contract's order, chooses providers for a service, and says what the write relies on. Throws the
 * first rule the request breaks; a refusal names only a booking the actor may see.
 */
export class Placer {
  constructor(
    private readonly zones: TimeZones,
    private readonly actor: Actor,
  ) {}

  async place(repos: Repositories, now: number, target: Target, date: string, startMinute: number, options: PlaceOptions = {}): Promise<Placed> {
    return target.kind === 'provider'
      ? this.placeOnProvider(repos, now, target.providerId, target.durationMinutes, date, startMinute, options)
      : this.placeOnService(repos, now, target.service, target.pins ?? new Map(), date, startMinute, options);
  }

  private async placeOnProvider(
    repos: Repositories,
    now: number,
    providerId: number,
    durationMinutes: number | undefined,
    date: string,
    startMinute: number,
    options: PlaceOptions,
  ): Promise<Placed> {
    const window = windowOf(date);
    const agendas = await repos.agendas.load([providerId], window.from, window.to);
    const agenda = agendas.get(providerId);
    if (!agenda) throw new ProviderNotFoundError();
    const { provider } = agenda;
    const duration = durationMinutes ?? provider.defaultDurationMinutes;
    const placed = spanAt(this.zones, provider.timezone, date, startMinute, duration);
    if (!placed.ok) throw refusalToError(placed, provider.timezone, date, startMinute);
    if (placed.span.startsAt < now) throw new InThePastError();
    const judge = this.judgeOf(agenda, now, options.excludeBookingId);
    const admitted = judge.admit(placed.span.startsAt, placed.span.endsAt);
    if (!admitted.ok) {
      if (admitted.reason === 'SLOT_UNAVAILABLE') throw await this.slotUnavailable(repos, admitted.conflictingBookingIds);
      throw refusalToError(admitted, provider.timezone, date, startMinute, judge.rules);
    }
    const final = await this.finalPlacement(repos, agenda, admitted.admission, now, window, options.excludeBookingId);
    return {
      span: placed.span,
      timezone: provider.timezone,
      providerIds: [provider.id],
      placements: [final.placement],
      basis: this.basisOf([agenda], [final]),
    };
  }

  private async placeOnService(
    repos: Repositories,
    now: number,
    service: Service,
    pins: ReadonlyMap<number, number>,
    date: string,
    startMinute: number,
    options: PlaceOptions,
  ): Promise<Placed> {
    // The duration is the service's, not the request's: a span that would run past local midnight is off the
    // service's grid (422), not a malformed request (400).
    const startsAt = this.zones.toInstant(date, startMinute, service.timezone);
    if (startsAt === null) throw new NonexistentLocalTimeError(date, formatMinutes(startMinute), service.timezone);
    if (startsAt < now) throw new InThePastError();
    const placed = spanAt(this.zones, service.timezone, date, startMinute, service.durationMinutes);
    if (!placed.ok || !onServiceGrid(service, startMinute)) {
      throw new OutsideWorkingHoursError(
        `The time is not on the service's grid (every ${service.slotIntervalMinutes} minutes from midnight in ${service.timezone}, ending by midnight)`,
      );
    }
    const window = windowOf(date);
    const agendas = await repos.agendas.load(providersOf(service), window.from, window.to);
    const judges = new Map([...agendas].map(([id, agenda]) => [id, this.judgeOf(agenda, now, options.excludeBookingId)]));
    // The date's first instant and the next date's: either midnight may be skipped (a zone that changes at 00:00).
    const dayStart = instantAtOrAfter(this.zones, service.timezone, date, 0);
    const dayEndsAt = instantAtOrAfter(this.zones, service.timezone, date, MINUTES_PER_DAY);
    const load = (id: number) => judges.get(id)!.bookingsStartingIn(dayStart, dayEndsAt);
    const chosen = chooseProviders(service.pools, judges, placed.span, load, pins, options.keep);
    if (!chosen.ok) throw new PoolUnavailableError(chosen.pool);
    const finals = [];
    for (const choice of chosen.choices) {
      finals.push(await this.finalPlacement(repos, agendas.get(choice.providerId)!, choice.admission, now, window, options.excludeBookingId));
    }
    return {
      span: placed.span,
      timezone: service.timezone,
      providerIds: chosen.choices.map((c) => c.providerId),
      placements: finals.map((f) => f.placement),
      basis: this.basisOf(
        chosen.choices.map((c) => agendas.get(c.providerId)!),
        finals,
      ),
    };
  }

  judgeOf(agenda: ProviderAgenda, now: number, excludeBookingId?: number): ProviderJudge {
    const { provider, schedule } = agenda;
    return new ProviderJudge(
      this.zones,
      { providerId: provider.id, timezone: provider.timezone, schedule, capacity: provider.capacity },
      agenda.occupied,
      now,
      excludeBookingId,
    );
  }

  /**
   * The placement as admitted, or, when every lane is held though the count allows one more, with the lanes of the
   * span's cluster of overlapping occupancies assigned afresh (only where the providers are locked). A booking being
   * moved (`excludeBookingId`) gives up its own occupancies before it takes the new ones: they take no lane here.
   */
  private async finalPlacement(
    repos: Repositories,
    agenda: ProviderAgenda,
    admission: Admission,
    now: number,
    window: { from: number; to: number },
    excludeBookingId?: number,
  ): Promise<{ placement: Placement; laneChanges: LaneChange[]; expired: number[] }> {
    if (!admission.relane) return { placement: admission.placement, laneChanges: [], expired: admission.expired };
    if (!repos.locked) throw new StaleDecisionError('lanes must be reassigned', true);
    const { blockStart, blockEnd, providerId } = admission.placement;
    const others = (occupied: Occupancy[]) => occupied.filter((o) => excludeBookingId === undefined || o.bookingId !== excludeBookingId);
    let occupied = others(agenda.occupied);
    let from = window.from;
    let to = window.to;
    for (;;) {
      const live = occupied.filter((o) => isLive(o, now));
      const cluster = clusterAround(live, blockStart, blockEnd);
      const reachesEdge = cluster.some((o) => o.blockStart < from + MAX_BLOCK_MS || o.blockEnd > to - MAX_BLOCK_MS);
      if (!reachesEdge) {
        const lanes = assignLanes([...cluster.map((o) => ({ key: o.id, lane: o.lane, blockStart: o.blockStart, blockEnd: o.blockEnd })), { key: -1, blockStart, blockEnd }], now);
        const laneChanges = cluster.filter((o) => lanes.get(o.id) !== o.lane).map((o) => ({ occupancyId: o.id, lane: lanes.get(o.id)! }));
        // Expired holds anywhere in the cluster's reach occupy nothing, but would share a lane moved under them.
        const lo = Math.min(blockStart, ...cluster.map((o) => o.blockStart));
        const hi = Math.max(blockEnd, ...cluster.map((o) => o.blockEnd));
        const expired = occupied.filter((o) => !isLive(o, now) && o.blockStart < hi && o.blockEnd > lo).map((o) => o.id);
        return { placement: { ...admission.placement, lane: lanes.get(-1)! }, laneChanges, expired };
      }
      from -= 7 * 86_400_000;
      to += 7 * 86_400_000;
      occupied = others((await repos.agendas.load([providerId], from, to)).get(providerId)!.occupied);
    }
  }

  private basisOf(agendas: ProviderAgenda[], finals: { laneChanges: LaneChange[]; expired: number[] }[]): WriteBasis {
    return {
      revisions: new Map(agendas.map((a) => [a.provider.id, a.provider.revision])),
      expired: finals.flatMap((f) => f.expired),
      laneChanges: finals.flatMap((f) => f.laneChanges),
    };
  }

  /** The refusal of a full span, naming one booking in the way that the actor may see, if any. */
  async slotUnavailable(repos: Repositories, bookingIds: readonly number[]): Promise<SlotUnavailableError> {
    if (this.actor.role === 'admin') return new SlotUnavailableError(bookingIds[0]);
    for (const id of bookingIds) {
      const other = await repos.bookings.getById(id);
      if (other && canSeeBooking(this.actor, other)) return new SlotUnavailableError(id);
    }
    return new SlotUnavailableError();
  }
}
