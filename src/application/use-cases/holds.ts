import { Actor } from '../../domain/actor';
import { HoldNotFoundError } from '../../domain/errors';
import { assertHoldTtl, Hold, HOLD_TTL_SECONDS, isHoldLive } from '../../domain/hold';
import { assertWithinDay } from '../../domain/booking-policy';
import { assertDate, parseRequestTime } from '../../domain/local-date';
import { assertDuration } from '../../domain/provider';
import { TimeZones } from '../../domain/time-zones';
import { Placer } from '../placement';
import { Clock } from '../ports/clock';
import { NewHold } from '../ports/hold-repository';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';
import { targetOf } from './bookings';

export interface HoldRequestBase {
  actor: Actor;
  date: string;
  time: string;
  /** How long it holds, 30 to 3600 seconds (default 300). */
  ttlSeconds?: number;
}

export type CreateHoldInput =
  | (HoldRequestBase & { providerId: number; durationMinutes?: number })
  | (HoldRequestBase & { serviceId: number; providerIds?: number[] });

/** A hold the actor may see: its own (admins: any), whatever its state. */
function visibleHold(actor: Actor, hold: Hold | null): Hold {
  if (!hold || (actor.role !== 'admin' && (actor.keyId === null || hold.createdBy !== actor.keyId))) throw new HoldNotFoundError();
  return hold;
}

export class CreateHold {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /** Holds a span by the same rules as a booking, until it expires, is released or becomes a booking. */
  async execute(input: CreateHoldInput): Promise<Hold> {
    const ttlSeconds = assertHoldTtl(input.ttlSeconds ?? HOLD_TTL_SECONDS.default);
    assertDate(input.date);
    const startMinute = parseRequestTime(input.time);
    if ('providerId' in input && input.durationMinutes !== undefined) {
      assertDuration(input.durationMinutes);
      assertWithinDay(startMinute, input.durationMinutes);
    }
    const placer = new Placer(this.zones, input.actor);
    return this.uow.decide(async (repos) => {
      const { target, service } = await targetOf(repos, input);
      const now = this.clock.now();
      const placed = await placer.place(repos, now, target, input.date, startMinute);
      const hold: NewHold = {
        providerId: placed.providerIds[0],
        providerIds: placed.providerIds,
        serviceId: service?.id ?? null,
        ...placed.span,
        timezone: placed.timezone,
        expiresAt: now + ttlSeconds * 1000,
        status: 'live',
        createdBy: input.actor.keyId,
        createdAt: now,
      };
      const id = await repos.holds.create(hold, placed.placements, placed.basis);
      return { ...hold, id };
    });
  }
}

export class GetHold {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
  ) {}

  /** A live hold of the actor; one that expired, was released or became a booking is gone (HOLD_NOT_FOUND). */
  async execute(input: { actor: Actor; id: number }): Promise<Hold> {
    const hold = visibleHold(input.actor, await this.store.holds.getById(input.id));
    if (!isHoldLive(hold, this.clock.now())) throw new HoldNotFoundError();
    return hold;
  }
}

export class ReleaseHold {
  constructor(private readonly store: Repositories) {}

  /** Frees a hold's span at once; releasing one that already ended changes nothing. */
  async execute(input: { actor: Actor; id: number }): Promise<void> {
    visibleHold(input.actor, await this.store.holds.getById(input.id));
    await this.store.holds.release(input.id);
  }
}
