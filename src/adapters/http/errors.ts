import { IncomingMessage, ServerResponse, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors';
import { REQUEST_ID_HEADER } from './logging';

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

/** A field's dotted path as an answer names it: at most 100 characters, so a hostile field name is not echoed whole. */
export function fieldName(path: string): string {
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}

function fieldOf(issue: AjvIssue, context: string | undefined): string {
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (issue.keyword === 'additionalProperties' && issue.params?.additionalProperty) {
    return fieldName(path ? `${path}.${String(issue.params.additionalProperty)}` : String(issue.params.additionalProperty));
  }
  if (issue.keyword === 'required' && issue.params?.missingProperty) return fieldName(String(issue.params.missingProperty));
  return fieldName(path || context || 'body');
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
  if (fe && Array.isArray(fe.validation)) return { status: 400, payload: validationPayload(fe.validation, fe.validationContext), headers: {} };
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, payload: { error: 'Request body is larger than 102400 bytes', code: 'PAYLOAD_TOO_LARGE' }, headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, payload: { error: 'Content-Type must be application/json', code: 'UNSUPPORTED_MEDIA_TYPE' }, headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, payload: { error: 'Request body is empty; send a JSON object', code: 'VALIDATION_ERROR' }, headers: {} };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, payload: { error: 'Content-Length does not match the body', code: 'VALIDATION_ERROR' }, headers: {} };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, payload: { error: `A path segment is longer than ${MAX_PARAM_LENGTH} characters`, code: 'VALIDATION_ERROR' }, headers: {} };
    case 'FST_ERR_BAD_URL':
      return { status: 400, payload: { error: 'The URL is malformed', code: 'VALIDATION_ERROR' }, headers: {} };
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
  closeIfBodyUnread(request, reply);
  reply.headers(headers).code(status).send(payload);
}

/** Fastify's own refusals outside any route (a path segment over the limit, a malformed URL), in the error shape. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, payload } = toErrorReply(error);
  closeIfBodyUnread(request, reply);
  reply.header(REQUEST_ID_HEADER, request.id).code(status).send(payload);
}

/** The most validation issues one answer lists; the rest are only counted, so a hostile body costs little to answer. */
export const MAX_REPORTED_ISSUES = 10;
/** Fastify's limit on one path parameter (`maxParamLength`). */
export const MAX_PARAM_LENGTH = 100;
/** How long a connection closed after a refusal still drains what the client sends, so the answer is not lost to a reset. */
export const LINGER_MS = 2000;

/** The validation issues as the contract's 400: at most MAX_REPORTED_ISSUES, one per field, and how many more there were. */
function validationPayload(validation: AjvIssue[], context: string | undefined): ErrorPayload {
  const errors: { field: string; message: string }[] = [];
  const fields = new Set<string>();
  let more = 0;
  for (const issue of validation) {
    // Query strings and path ids are one-level: drop Ajv's anyOf/union noise and keep the first real issue per field.
    if (issue.keyword === 'anyOf') continue;
    const described = describeIssue(issue, context);
    if (fields.has(described.field)) continue;
    fields.add(described.field);
    if (errors.length < MAX_REPORTED_ISSUES) errors.push(described);
    else more++;
  }
  if (errors.length === 0) errors.push({ field: context ?? 'body', message: 'Request is invalid' });
  const message = errors.map((i) => i.message).join('; ') + (more ? `; and ${more} more` : '');
  return { error: message, code: 'VALIDATION_ERROR', details: more ? { errors, more_errors: more } : { errors } };
}

/**
 * A refusal sent before the body has fully arrived (401, 403, 413, 415, 429, 404...) closes the connection instead of
 * reading the rest: the answer says `Connection: close`, then the socket is half-closed and drained for at most
 * LINGER_MS. Closing at once would reset the connection while the client still sends, and it could lose the answer.
 */
export function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply): void {
  if (request.raw.complete !== false || reply.sent) return;
  reply.header('connection', 'close');
  const socket = request.raw.socket as Socket | null;
  // Node ends a `Connection: close` response's socket with destroySoon(), which destroys it as soon as the answer is
  // flushed; lingering replaces that for this one socket.
  if (socket && typeof socket.destroySoon === 'function') socket.destroySoon = () => lingeringClose(socket);
}

/** Half-closes the socket (the client sees the end at once), discards what still arrives, destroys it after LINGER_MS. */
export function lingeringClose(socket: Socket): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end();
}

/** Sockets whose connection-level failure has been dealt with: answered, or closing after the request in flight. */
const socketStates = new WeakMap<Socket, 'answered' | 'finishing'>();

/** The raw answer to a connection-level failure: the contract's error shape, never anything from the request. */
function clientErrorResponse(code: string | undefined, requestTimeoutMs: number): string {
  let status = 400;
  let message = 'Malformed HTTP request';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = `The request's headers and body did not arrive within ${requestTimeoutMs} ms`;
  } else if (code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'The request headers are too large';
  }
  const body = JSON.stringify({ error: message, code: 'VALIDATION_ERROR' });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

type InFlight = ServerResponse & { req?: IncomingMessage };

/**
 * Node's `clientError`: a request cut off by the request timeout (408), headers over the size limit (431) or
 * malformed HTTP (400). Answers once in the error shape, then closes the connection. When the bytes that failed
 * follow a complete request still being handled, that request keeps its own answer, and the connection closes
 * after it.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    const state = socketStates.get(socket);
    // The parser repeats its error for every further chunk: the first one decided.
    if (state === 'finishing') return;
    if (error.code === 'ECONNRESET' || socket.destroyed || state === 'answered') {
      socket.destroy();
      return;
    }
    const inFlight = (socket as Socket & { _httpMessage?: InFlight | null })._httpMessage;
    if (inFlight && !inFlight.writableFinished && inFlight.req?.complete) {
      socketStates.set(socket, 'finishing');
      if (!inFlight.headersSent) inFlight.setHeader('connection', 'close');
      inFlight.once('finish', () => lingeringClose(socket));
      return;
    }
    socketStates.set(socket, 'answered');
    if (socket.writable && !inFlight?.headersSent) socket.write(clientErrorResponse(error.code, requestTimeoutMs));
    lingeringClose(socket);
  };
}
