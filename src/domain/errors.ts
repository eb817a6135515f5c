/** Base of every rule violation the core reports; `code` is the stable machine code of the HTTP contract. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION_ERROR', message, details);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid API key is required') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'This API key may not do that') {
    super('FORBIDDEN', message);
  }
}

export class ProviderNotFoundError extends DomainError {
  constructor() {
    super('PROVIDER_NOT_FOUND', 'Provider not found');
  }
}

export class BookingNotFoundError extends DomainError {
  constructor() {
    super('BOOKING_NOT_FOUND', 'Booking not found');
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class SlotUnavailableError extends DomainError {
  /** `conflictingBookingId`: a booking in the way that the caller may see; none when there is no such booking. */
  constructor(readonly conflictingBookingId?: number) {
    super(
      'SLOT_UNAVAILABLE',
      'This time slot is already booked',
      conflictingBookingId === undefined ? undefined : { conflicting_booking_id: conflictingBookingId },
    );
  }

  /** The same refusal without naming a booking the caller may not see. */
  withoutDetails(): SlotUnavailableError {
    return new SlotUnavailableError();
  }
}

export class EmailTakenError extends DomainError {
  constructor() {
    super('EMAIL_TAKEN', 'A provider with this email already exists');
  }
}

export class BookingCancelledError extends DomainError {
  constructor() {
    super('BOOKING_CANCELLED', 'A cancelled booking cannot be changed');
  }
}

export class IdempotencyKeyInUseError extends DomainError {
  constructor() {
    super('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry shortly');
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body');
  }
}

export class LastAdminKeyError extends DomainError {
  constructor() {
    super('LAST_ADMIN_KEY', 'The last active admin key cannot be revoked');
  }
}

export class VersionMismatchError extends DomainError {
  constructor(currentVersion: number) {
    super('VERSION_MISMATCH', 'The booking was changed by someone else; fetch it again', {
      current_version: currentVersion,
    });
  }
}

export class InThePastError extends DomainError {
  constructor() {
    super('IN_THE_PAST', 'The booking would start in the past');
  }
}

export class TooSoonError extends DomainError {
  constructor(minNoticeMinutes: number) {
    super('TOO_SOON', `Bookings need at least ${minNoticeMinutes} minutes of notice`, {
      min_notice_minutes: minNoticeMinutes,
    });
  }
}

export class TooFarAheadError extends DomainError {
  constructor(maxDaysAhead: number) {
    super('TOO_FAR_AHEAD', `Bookings may be made at most ${maxDaysAhead} days ahead`, {
      max_days_ahead: maxDaysAhead,
    });
  }
}

export class OutsideWorkingHoursError extends DomainError {
  /** `message` names what the time is outside of: by default the provider's working hours. */
  constructor(message = "The booking is not wholly inside the provider's working hours") {
    super('OUTSIDE_WORKING_HOURS', message);
  }
}

export class NonexistentLocalTimeError extends DomainError {
  constructor(date: string, time: string, timezone: string) {
    super('NONEXISTENT_LOCAL_TIME', `${date} ${time} does not exist in ${timezone} (skipped by a daylight-saving change)`);
  }
}

/** An error replayed from a stored idempotent outcome, carrying the original code and message. */
export class ReplayedDomainError extends DomainError {}

export class ServiceNotFoundError extends DomainError {
  constructor() {
    super('SERVICE_NOT_FOUND', 'Service not found');
  }
}

export class HoldNotFoundError extends DomainError {
  constructor() {
    super('HOLD_NOT_FOUND', 'Hold not found');
  }
}

export class SeriesNotFoundError extends DomainError {
  constructor() {
    super('SERIES_NOT_FOUND', 'Series not found');
  }
}

export class HoldExpiredError extends DomainError {
  constructor() {
    super('HOLD_EXPIRED', 'The hold has expired, was released or was already turned into a booking');
  }
}

export class CapacityInUseError extends DomainError {
  constructor(busiest: number) {
    super('CAPACITY_IN_USE', `Capacity cannot go below ${busiest}: that many bookings and holds overlap at some instant from now on`, {
      in_use: busiest,
    });
  }
}

export class BookingNotPendingError extends DomainError {
  constructor() {
    super('BOOKING_NOT_PENDING', 'Only a pending booking can be confirmed or declined');
  }
}

export class TooLateToChangeError extends DomainError {
  constructor(minutes: number, change: 'cancel' | 'reschedule') {
    super('TOO_LATE_TO_CHANGE', `This booking can no longer be ${change === 'cancel' ? 'cancelled' : 'moved'}: changes need at least ${minutes} minutes before it starts`, {
      [change === 'cancel' ? 'min_cancel_notice_minutes' : 'min_reschedule_notice_minutes']: minutes,
    });
  }
}

/** A pool of a service that no provider can take the span in. */
export class PoolUnavailableError extends DomainError {
  constructor(pool: number) {
    super('SLOT_UNAVAILABLE', 'This time slot is already booked', { pool });
  }
}

/** The database cannot do the work now (down, restarting, connections cut, busy past its timeout); a retry later may succeed. */
export class DatabaseUnavailableError extends DomainError {
  constructor(override readonly cause?: unknown) {
    super('UNAVAILABLE', 'The database is unavailable; retry shortly');
  }
}
