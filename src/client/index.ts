/**
 * A typed HTTP client of the booking service: openapi-fetch over the types openapi-typescript generates from
 * openapi.json (`npm run openapi` writes both). Every path, parameter, body, answer and error code is checked by
 * the TypeScript compiler.
 */
import createClient, { createQuerySerializer, type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths } from './schema';

type Schemas = components['schemas'];
export type Booking = Schemas['Booking'];
/** A booking as its 201 shows it: with the customer's manage_token, shown only there. */
export type CreatedBooking = Schemas['CreatedBooking'];
export type Provider = Schemas['Provider'];
export type Service = Schemas['Service'];
export type Hold = Schemas['Hold'];
export type Schedule = Schemas['Schedule'];
export type Availability = Schemas['Availability'];
export type ServiceAvailability = Schemas['ServiceAvailability'];
export type Series = Schemas['Series'];
export type CreatedSeries = Schemas['CreatedSeries'];
export type BookingEvent = Schemas['Event'];
export type Webhook = Schemas['Webhook'];
export type Delivery = Schemas['Delivery'];
export type ApiKey = Schemas['ApiKey'];

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 500 | 503;
type JsonBody<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type ErrorBodies<O> = O extends { responses: infer R } ? { [S in keyof R]: S extends ErrorStatus ? JsonBody<R[S]> : never }[keyof R] : never;

/** The error body of one operation (by operationId): its `code` is one of the codes that operation answers. */
export type ApiErrorOf<Operation extends keyof operations> = ErrorBodies<operations[Operation]>;
/** The error body of any operation: `{ error, code, details? }`. */
export type ApiError = ApiErrorOf<keyof operations>;
/** Every error code the API answers. */
export type ErrorCode = ApiError['code'];

export interface BookingClientOptions {
  /** Where the service is, e.g. `http://localhost:3000` (paths start with /api/v1). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** A booking's manage_token (its customer) or a provider's calendar_token, sent as `?token=` on every request. */
  token?: string;
  /** The fetch to use (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
}

export type BookingClient = Client<paths>;

/** A client of the booking service's HTTP API, typed by its OpenAPI document. */
export function createBookingClient(options: BookingClientOptions): BookingClient {
  const serialize = createQuerySerializer();
  const token = options.token;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.apiKey === undefined ? undefined : { authorization: `Bearer ${options.apiKey}` },
    fetch: options.fetch,
    // The token schemes are apiKey-in-query: no operation lists `token` among its own parameters.
    querySerializer: (query) => {
      const search = serialize(query);
      return token === undefined ? search : [search, `token=${encodeURIComponent(token)}`].filter((part) => part !== '').join('&');
    },
  });
}
