import { SYSTEM_ACTOR } from '../../domain/actor';
import { Booking, isOccupying } from '../../domain/booking';
import { ChangePolicy } from '../../domain/change-policy';
import { TooLateToChangeError } from '../../domain/errors';
import { addDays } from '../../domain/local-date';
import { assertInTimeToChange } from '../../domain/change-policy';
import { TimeZones } from '../../domain/time-zones';
import { Clock } from '../ports/clock';
import { Repositories } from '../ports/unit-of-work';
import { IdentifyCustomer, policyOfBooking } from './bookings';
import { GetAvailability } from './schedules';
import { GetServiceAvailability } from './services';

/** How many days ahead a customer is offered new times. */
export const MOVE_DAYS = 14;

/** What a booking's customer is shown: the booking in their terms, and what they may still do with it. */
export interface CustomerBooking {
  booking: Booking;
  /** Whom or what it is with: the service's name, or the provider's. */
  with: string;
  /** Cancelling is open to the customer now (the booking occupies and the change policy allows it). */
  canCancel: boolean;
  /** Moving is open to the customer now; `moves` lists where to. */
  canMove: boolean;
  /** Free start times of the next days, in the booking's zone, at which it could be moved now. */
  moves: { date: string; times: string[] }[];
}

function allows(policy: ChangePolicy, change: 'cancel' | 'reschedule', startsAt: number, now: number): boolean {
  try {
    assertInTimeToChange(policy, change, startsAt, now);
    return true;
  } catch (error) {
    if (error instanceof TooLateToChangeError) return false;
    throw error;
  }
}

export class GetCustomerBooking {
  constructor(
    private readonly store: Repositories,
    private readonly identify: IdentifyCustomer,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
    private readonly availability: GetAvailability,
    private readonly serviceAvailability: GetServiceAvailability,
  ) {}

  /** The booking a manage token opens, for its customer's page; any other token is BOOKING_NOT_FOUND. */
  async execute(input: { bookingId: number; token: string }): Promise<CustomerBooking> {
    await this.identify.execute(input);
    const booking = (await this.store.bookings.getById(input.bookingId))!;
    const now = this.clock.now();
    // A deleted service still names its bookings, but offers no new times.
    const service = booking.serviceId === null ? null : await this.store.services.getById(booking.serviceId, true);
    const offered = booking.serviceId === null || (await this.store.services.getById(booking.serviceId)) !== null;
    const provider = await this.store.providers.getById(booking.providerId);
    const policy = await policyOfBooking(this.store, booking);
    const occupying = isOccupying(booking.status);
    const canCancel = occupying && allows(policy, 'cancel', booking.startsAt, now);
    const canMove = occupying && offered && allows(policy, 'reschedule', booking.startsAt, now);
    return {
      booking,
      with: service?.name ?? provider?.name ?? 'your booking',
      canCancel,
      canMove,
      moves: canMove ? await this.movesOf(booking, now) : [],
    };
  }

  private async movesOf(booking: Booking, now: number): Promise<CustomerBooking['moves']> {
    const today = this.zones.toLocal(now, booking.timezone).date;
    const to = addDays(today, MOVE_DAYS - 1);
    const days =
      booking.serviceId === null
        ? (await this.availability.execute({ actor: SYSTEM_ACTOR, providerId: booking.providerId, date: today, to, durationMinutes: booking.durationMinutes })).days
        : (await this.serviceAvailability.execute({ actor: SYSTEM_ACTOR, serviceId: booking.serviceId, date: today, to })).days;
    return days.filter((d) => d.slots.length > 0).map((d) => ({ date: d.date, times: d.slots }));
  }
}
