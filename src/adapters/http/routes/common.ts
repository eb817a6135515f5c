import { ErrorBody } from '../schemas';

const DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_ERROR: missing or malformed fields, unknown fields, bad query or cursor, a NUL character or an unpaired surrogate in any text. details.errors lists at most 10 issues; details.more_errors counts the rest',
  401: 'UNAUTHENTICATED: missing, unknown, expired or revoked API key',
  403: 'FORBIDDEN: the key’s role may not do this',
  404: 'Not found (PROVIDER_NOT_FOUND, BOOKING_NOT_FOUND or NOT_FOUND)',
  409: 'Conflict (SLOT_UNAVAILABLE, EMAIL_TAKEN, BOOKING_CANCELLED, IDEMPOTENCY_KEY_IN_USE, LAST_ADMIN_KEY)',
  412: 'VERSION_MISMATCH: If-Match names an older version',
  413: 'PAYLOAD_TOO_LARGE: body over 102,400 bytes',
  415: 'UNSUPPORTED_MEDIA_TYPE: body is not application/json',
  422: 'A calendar rule refused it (IN_THE_PAST, OUTSIDE_WORKING_HOURS, TOO_SOON, TOO_FAR_AHEAD, NONEXISTENT_LOCAL_TIME, IDEMPOTENCY_KEY_REUSED)',
  429: 'RATE_LIMITED: retry after Retry-After seconds',
  500: 'INTERNAL: unexpected fault (generic message)',
  503: 'UNAVAILABLE: the database does not answer',
};

/** Error responses of a route, all in the one error shape. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const out: Record<number, typeof ErrorBody> = {};
  for (const status of [...statuses, 401, 429, 500]) {
    out[status] = { ...ErrorBody, description: DESCRIPTIONS[status] } as typeof ErrorBody;
  }
  return out;
}

/** Error responses of a route that needs no API key and is not rate limited. */
export function publicErrorResponses<S extends number>(...statuses: S[]): Record<S | 500, typeof ErrorBody> {
  const out = {} as Record<S | 500, typeof ErrorBody>;
  for (const status of [...statuses, 500 as const]) out[status] = { ...ErrorBody, description: DESCRIPTIONS[status] } as typeof ErrorBody;
  return out;
}

export const WRITE_ERRORS = [400, 413, 415];
