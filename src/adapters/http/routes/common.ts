import { Type } from 'typebox';
import { STATUS_BY_CODE } from '../errors';

/** What each error code means, as the OpenAPI document words it. */
export const CODE_DESCRIPTIONS: Record<string, string> = {
  VALIDATION_ERROR:
    'missing or malformed fields, unknown fields or query parameters, a bad cursor, a NUL character or an unpaired surrogate in any text (details.errors lists at most 10 issues, details.more_errors counts the rest)',
  UNAUTHENTICATED: 'missing, unknown, expired or revoked API key, or a wrong calendar token',
  FORBIDDEN: 'the key’s role may not do this',
  PROVIDER_NOT_FOUND: 'no such provider',
  BOOKING_NOT_FOUND: 'no such booking visible to the caller (a wrong manage token too)',
  NOT_FOUND: 'no such resource',
  SERVICE_NOT_FOUND: 'no such service',
  HOLD_NOT_FOUND: 'no live hold of the caller with this id',
  SERIES_NOT_FOUND: 'no such series visible to the caller',
  SLOT_UNAVAILABLE: 'the span is full (details.conflicting_booking_id, details.pool or details.conflicts says why)',
  HOLD_EXPIRED: 'the hold expired, was released or was already turned into a booking',
  CAPACITY_IN_USE: 'more bookings and holds than that overlap at some instant from now on (details.in_use)',
  BOOKING_NOT_PENDING: 'the booking is not pending',
  EMAIL_TAKEN: 'another provider has this email',
  BOOKING_CANCELLED: 'a cancelled or declined booking cannot be changed',
  IDEMPOTENCY_KEY_IN_USE: 'a request with this Idempotency-Key is still running; retry shortly',
  LAST_ADMIN_KEY: 'the last active admin key cannot be revoked',
  VERSION_MISMATCH: 'If-Match names an older version (details.current_version)',
  PAYLOAD_TOO_LARGE: 'body over 102,400 bytes',
  UNSUPPORTED_MEDIA_TYPE: 'body is not application/json',
  IN_THE_PAST: 'the booking would start in the past',
  OUTSIDE_WORKING_HOURS: 'not wholly inside working hours (or not on a service’s grid)',
  TOO_SOON: 'less notice than the schedule asks (details.min_notice_minutes)',
  TOO_FAR_AHEAD: 'further ahead than the schedule allows (details.max_days_ahead)',
  NONEXISTENT_LOCAL_TIME: 'the wall-clock time does not exist that day (skipped by a daylight-saving change)',
  IDEMPOTENCY_KEY_REUSED: 'this Idempotency-Key came with another body',
  TOO_LATE_TO_CHANGE: 'inside the change policy’s notice (details.min_cancel_notice_minutes or details.min_reschedule_notice_minutes)',
  RATE_LIMITED: 'too many requests; retry after Retry-After seconds',
  INTERNAL: 'unexpected fault (generic message)',
  UNAVAILABLE: 'the database does not answer, or the service is shutting down; retry after Retry-After seconds',
};

/** Refusals any /api/v1 route can answer: a bad query or path, a bad key, the rate limit, a fault, a database away. */
const API_CODES = ['VALIDATION_ERROR', 'UNAUTHENTICATED', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE'];
/** Refusals any route without a key can answer. */
const PUBLIC_CODES = ['VALIDATION_ERROR', 'INTERNAL', 'UNAVAILABLE'];

/** The one error shape, as handlers see it. */
const ErrorShape = Type.Object({ error: Type.String(), code: Type.String(), details: Type.Optional(Type.Any()) });
type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 500 | 503;
/** Error responses by status (only the statuses of the codes given are present). */
type ErrorResponses = Record<ErrorStatus, typeof ErrorShape>;

/** The error responses for these codes, one per status, each the one error shape with `code` limited to its codes. */
function responsesFor(codes: string[]): ErrorResponses {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = STATUS_BY_CODE[code];
    if (status === undefined || CODE_DESCRIPTIONS[code] === undefined) throw new Error(`Unknown error code ${code}`);
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  const out: Record<number, typeof ErrorShape> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = Type.Object(
      {
        error: Type.String({ description: 'Human readable message' }),
        code: Type.String({ enum: list, description: 'Stable machine code' }),
        details: Type.Optional(Type.Any({ description: 'Extra facts about the error, when there are any' })),
      },
      { description: list.map((code) => `${code}: ${CODE_DESCRIPTIONS[code]}`).join('. ') },
    );
  }
  return out as ErrorResponses;
}

/**
 * Error responses of an /api/v1 route: the codes it answers beside those every route does (VALIDATION_ERROR,
 * UNAUTHENTICATED, RATE_LIMITED, INTERNAL, UNAVAILABLE). The first code of a status is its example.
 */
export function errorResponses(...codes: string[]): ErrorResponses {
  return responsesFor([...codes, ...API_CODES]);
}

/** Error responses of a route that needs no API key and is not rate limited (beside VALIDATION_ERROR, INTERNAL, UNAVAILABLE). */
export function publicErrorResponses(...codes: string[]): ErrorResponses {
  return responsesFor([...PUBLIC_CODES, ...codes]);
}

/** Codes of a route that reads a JSON body. */
export const WRITE_ERRORS = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** Calendar rules, in the order they are checked. */
export const CALENDAR_ERRORS = ['NONEXISTENT_LOCAL_TIME', 'IN_THE_PAST', 'TOO_SOON', 'TOO_FAR_AHEAD', 'OUTSIDE_WORKING_HOURS'];

/** A route that takes no query parameters: any is 400, as on every route. */
export const NoQuery = Type.Object({}, { additionalProperties: false });
