import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors';

/** Domain error codes to HTTP status: the one place the mapping lives. */
export const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PROVIDER_NOT_FOUND: 404,
  BOOKING_NOT_FOUND: 404,
  NOT_FOUND: 404,
  SERVICE_NOT_FOUND: 404,
  HOLD_NOT_FOUND: 404,
  SERIES_NOT_FOUND: 404,
  SLOT_UNAVAILABLE: 409,
  HOLD_EXPIRED: 409,
  CAPACITY_IN_USE: 409,
  BOOKING_NOT_PENDING: 409,
  EMAIL_TAKEN: 409,
  BOOKING_CANCELLED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  LAST_ADMIN_KEY: 409,
  VERSION_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IN_THE_PAST: 422,
  OUTSIDE_WORKING_HOURS: 422,
  TOO_SOON: 422,
  TOO_FAR_AHEAD: 422,
  NONEXISTENT_LOCAL_TIME: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_LATE_TO_CHANGE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** Seconds a client is asked to wait before retrying a 503 (the database restarting or failing over). */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

export interface ErrorPayload {
  error: string;
  code: string;
  details?: unknown;
}

/** An HTTP-level refusal that is not a domain rule (media type, size, rate limit, ...). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldOf(issue: AjvIssue, context: string | undefined): string {
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (issue.keyword === 'additionalProperties' && issue.params?.additionalProperty) {
    return path ? `${path}.${String(issue.params.additionalProperty)}` : String(issue.params.additionalProperty);
  }
  if (issue.keyword === 'required' && issue.params?.missingProperty) return String(issue.params.missingProperty);
  return path || context || 'body';
}

function describeIssue(issue: AjvIssue, context: string | undefined): { field: string; message: string } {
  const field = fieldOf(issue, context);
  switch (issue.keyword) {
    case 'additionalProperties':
      return { field, message: `Unknown field: ${field}` };
    case 'required':
      return { field, message: `Missing required field: ${field}` };
    case 'type':
      return { field, message: `${field} must be ${String(issue.params?.type ?? 'of another type')}` };
    case 'pattern':
      return { field, message: `${field} is malformed` };
    default:
      return { field, message: `${field} ${issue.message ?? 'is invalid'}` };
  }
}

/** Turns any error into the contract's shape; a 5xx never carries the original message. */
export function toErrorReply(error: unknown): { status: number; payload: ErrorPayload; headers: Record<string, string> } {
  if (error instanceof DomainError) {
    const payload: ErrorPayload = { error: error.message, code: error.code };
    if (error.details !== undefined) payload.details = error.details;
    const status = STATUS_BY_CODE[error.code] ?? 500;
    return { status, payload, headers: status === 503 ? { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) } : {} };
  }
  if (error instanceof HttpError) {
    const payload: ErrorPayload = { error: error.message, code: error.code };
    if (error.details !== undefined) payload.details = error.details;
    return { status: error.statusCode, payload, headers: error.headers };
  }
  const fe = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fe && Array.isArray(fe.validation)) {
    // Query strings and path ids are one-level: drop Ajv's anyOf/union noise and keep the first real issue per field.
    const issues = fe.validation.filter((i) => i.keyword !== 'anyOf').map((i) => describeIssue(i, fe.validationContext));
    const unique = issues.filter((i, idx) => issues.findIndex((j) => j.field === i.field) === idx);
    const list = unique.length ? unique : [{ field: fe.validationContext ?? 'body', message: 'Request is invalid' }];
    return {
      status: 400,
      payload: { error: list.map((i) => i.message).join('; '), code: 'VALIDATION_ERROR', details: { errors: list } },
      headers: {},
    };
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, payload: { error: 'Request body is larger than 102400 bytes', code: 'PAYLOAD_TOO_LARGE' }, headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, payload: { error: 'Content-Type must be application/json', code: 'UNSUPPORTED_MEDIA_TYPE' }, headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, payload: { error: 'Request body is empty; send a JSON object', code: 'VALIDATION_ERROR' }, headers: {} };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, payload: { error: 'Content-Length does not match the body', code: 'VALIDATION_ERROR' }, headers: {} };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 400) {
    const message = fe instanceof SyntaxError || /JSON/i.test(fe?.message ?? '') ? 'Malformed JSON body' : 'Bad request';
    return { status, payload: { error: message, code: 'VALIDATION_ERROR' }, headers: {} };
  }
  if (status === 413) return { status, payload: { error: 'Request body is larger than 102400 bytes', code: 'PAYLOAD_TOO_LARGE' }, headers: {} };
  if (status === 415) return { status, payload: { error: 'Content-Type must be application/json', code: 'UNSUPPORTED_MEDIA_TYPE' }, headers: {} };
  if (status === 404) return { status, payload: { error: 'Route not found', code: 'NOT_FOUND' }, headers: {} };
  if (status === 429) return { status, payload: { error: 'Too many requests; retry later', code: 'RATE_LIMITED' }, headers: {} };
  if (status > 400 && status < 500) return { status, payload: { error: 'Bad request', code: 'VALIDATION_ERROR' }, headers: {} };
  return { status: 500, payload: { error: 'Internal server error', code: 'INTERNAL' }, headers: {} };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, payload, headers } = toErrorReply(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  reply.headers(headers).code(status).send(payload);
}
