import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { CreateBookingInput, CreatedBooking, UseCases } from '../../../application/use-cases';
import { bookingView, isoUtc } from '../../../application/views';
import { Actor } from '../../../domain/actor';
import { ValidationError } from '../../../domain/errors';
import { TimeZones } from '../../../domain/time-zones';
import {
  BookingBody,
  BookingListQuery,
  BookingPage,
  CreateBookingBody,
  CreatedBookingBody,
  EventPage,
  EventQuery,
  HistoryBody,
  IdParams,
  ManageTokenQuery,
  UpdateBookingBody,
} from '../schemas';
import { CALENDAR_ERRORS, errorResponses, NoQuery, WRITE_ERRORS } from './common';
import { IfNoneMatchHeaders } from './schedules';

const etagOf = (version: number) => `"${version}"`;

/** `If-Match: "3"` → 3; `*` → no condition; anything else can never match. */
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = header.split(',').map((t) => t.trim());
  const match = tags.map((t) => /^"(\d{1,15})"$/.exec(t)).find((m) => m !== null);
  return match ? Number(match[1]) : -1;
}

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ maxLength: 255, description: 'Makes the request retry-safe: the same key and body replay the first answer for 24 hours' }),
  ),
});

type TargetBody = {
  provider_id?: number;
  service_id?: number;
  provider_ids?: number[];
  hold_id?: number;
  date?: string;
  time?: string;
  duration_minutes?: number;
};

/** The fields a body of each form must carry, in the order a refusal names them. */
export function requiredTargetFields(body: Record<string, unknown>): string[] {
  if (body.hold_id !== undefined && body.hold_id !== null) return [];
  if (body.service_id !== undefined && body.service_id !== null) return ['date', 'time'];
  return ['provider_id', 'date', 'time'];
}

/** Which thing a body takes (a provider, a service, a hold), refusing fields that do not belong to its form. */
export function targetOfBody(b: TargetBody, allowHold: boolean): { providerId: number; date: string; time: string; durationMinutes?: number } | { serviceId: number; date: string; time: string; providerIds?: number[] } | { holdId: number } {
  if (b.hold_id !== undefined) {
    if (!allowHold) throw new ValidationError('Unknown field: hold_id', { field: 'hold_id' });
    const extra = (['provider_id', 'service_id', 'provider_ids', 'date', 'time', 'duration_minutes'] as const).filter((f) => b[f] !== undefined);
    if (extra.length) throw new ValidationError(`Only customer_name, customer_email and notes may come with hold_id (got ${extra.join(', ')})`, { field: extra[0] });
    return { holdId: b.hold_id };
  }
  if (b.service_id !== undefined) {
    if (b.provider_id !== undefined) throw new ValidationError('provider_id and service_id cannot be sent together', { field: 'provider_id' });
    if (b.duration_minutes !== undefined) throw new ValidationError('duration_minutes is the service’s own; it cannot be sent with service_id', { field: 'duration_minutes' });
    return { serviceId: b.service_id, date: b.date!, time: b.time!, providerIds: b.provider_ids };
  }
  if (b.provider_ids !== undefined) throw new ValidationError('provider_ids pins providers of a service: send it with service_id', { field: 'provider_ids' });
  return { providerId: b.provider_id!, date: b.date!, time: b.time!, durationMinutes: b.duration_minutes };
}

/** A new booking as its 201 shows it: the booking and, only here, its manage token. */
export function createdView(created: CreatedBooking, zones: TimeZones) {
  return { ...bookingView(created, zones), manage_token: created.manageToken };
}

const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The ETag ("<version>") last seen; a stale one is 412' })),
});

export const bookingRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.post(
    '/bookings',
    {
      config: { requiredFields: requiredTargetFields, responseHeaders: { 201: ['Location', 'ETag', 'Cache-Control'] } },
      schema: {
        tags: ['bookings'],
        operationId: 'createBooking',
        summary: 'Book a provider, a service, or a held span',
        querystring: NoQuery,
        description:
          'Judged in the provider’s time zone (a service’s: in its own): 422 for calendar rules (in order NONEXISTENT_LOCAL_TIME, IN_THE_PAST, TOO_SOON, TOO_FAR_AHEAD, OUTSIDE_WORKING_HOURS), then 409 SLOT_UNAVAILABLE when the span (widened by buffers) is full. A service takes one provider of every pool or nothing (409 with details.pool). Send Idempotency-Key to make retries safe.',
        headers: IdempotencyHeaders,
        body: CreateBookingBody,
        response: {
          201: CreatedBookingBody,
          ...errorResponses(
            ...WRITE_ERRORS,
            'PROVIDER_NOT_FOUND',
            'SERVICE_NOT_FOUND',
            'HOLD_NOT_FOUND',
            'SLOT_UNAVAILABLE',
            'HOLD_EXPIRED',
            'IDEMPOTENCY_KEY_IN_USE',
            ...CALENDAR_ERRORS,
            'IDEMPOTENCY_KEY_REUSED',
          ),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const input = {
        actor: request.actor,
        ...targetOfBody(b, true),
        customerName: b.customer_name,
        customerEmail: b.customer_email,
        notes: b.notes,
        idempotencyKey: request.headers['idempotency-key'],
      } as CreateBookingInput;
      const created = await useCases.createBooking.execute(input);
      reply
        .code(201)
        .header('location', `/api/v1/bookings/${created.id}`)
        .header('etag', etagOf(created.version))
        .header('cache-control', 'no-store');
      return createdView(created, zones);
    },
  );

  app.get(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'listBookings',
        summary: 'List bookings in (starts_at, id) order with keyset pagination',
        description: '`from`/`to` are inclusive provider-local dates. A client key sees only the bookings it created.',
        querystring: BookingListQuery,
        response: { 200: BookingPage, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await useCases.listBookings.execute({
        actor: request.actor,
        providerId: q.provider_id,
        serviceId: q.service_id,
        from: q.from,
        to: q.to,
        status: q.status,
        limit: q.limit,
        cursor: q.cursor,
      });
      // The views are stored as the API shows them: the page is their JSON text, joined.
      const body = `{"data":[${page.items.join(',')}],"next_cursor":${JSON.stringify(page.nextCursor)}}`;
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(body);
    },
  );

  app.get(
    '/bookings/:id',
    {
      config: { customerToken: true, responseHeaders: { 200: ['ETag'], 304: ['ETag'] } },
      schema: {
        tags: ['bookings'],
        operationId: 'getBooking',
        summary: 'Get a booking (cancelled ones too); its version is the ETag',
        headers: IfNoneMatchHeaders,
        querystring: ManageTokenQuery,
        params: IdParams,
        response: { 200: BookingBody, 304: Type.Null({ description: 'Not modified' }), ...errorResponses('BOOKING_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const booking = await useCases.getBooking.execute({ actor: request.actor, id: request.params.id });
      const etag = etagOf(booking.version);
      reply.header('etag', etag);
      // A 304 has no body at all (send(null) would write "null").
      if (request.headers['if-none-match'] === etag) return (reply as FastifyReply).code(304).send();
      return bookingView(booking, zones);
    },
  );

  app.patch(
    '/bookings/:id',
    {
      config: {
        customerToken: true,
        bodyRequired: true,
        responseHeaders: { 200: ['ETag'] },
        forbiddenFields: { provider_id: 'provider_id cannot be changed; cancel this booking and book the other provider' },
      },
      schema: {
        tags: ['bookings'],
        operationId: 'updateBooking',
        summary: 'Reschedule or edit a booking in one transaction',
        querystring: ManageTokenQuery,
        description:
          'A change of date, time or duration obeys the same 422 and 409 rules as a new booking (moving within its own span works). `null` clears an optional field. A PATCH that changes nothing answers 200 and records nothing.',
        params: IdParams,
        headers: IfMatchHeaders,
        body: UpdateBookingBody,
        response: {
          200: BookingBody,
          ...errorResponses(...WRITE_ERRORS, 'BOOKING_NOT_FOUND', 'SLOT_UNAVAILABLE', 'BOOKING_CANCELLED', 'VERSION_MISMATCH', 'TOO_LATE_TO_CHANGE', ...CALENDAR_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const booking = await useCases.updateBooking.execute({
        actor: request.actor,
        id: request.params.id,
        expectedVersion: expectedVersion(request.headers['if-match']),
        changes: {
          date: b.date,
          time: b.time,
          durationMinutes: b.duration_minutes,
          customerName: b.customer_name,
          customerEmail: b.customer_email,
          notes: b.notes,
        },
      });
      reply.header('etag', etagOf(booking.version));
      return bookingView(booking, zones);
    },
  );

  app.delete(
    '/bookings/:id',
    {
      config: { customerToken: true },
      schema: {
        tags: ['bookings'],
        operationId: 'cancelBooking',
        summary: 'Cancel a booking: its span is free at once; it stays readable. Cancelling again is 204 too.',
        querystring: ManageTokenQuery,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Cancelled' }), ...errorResponses('BOOKING_NOT_FOUND', 'TOO_LATE_TO_CHANGE') },
      },
    },
    async (request, reply) => {
      await useCases.cancelBooking.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );

  for (const decision of ['confirm', 'decline'] as const) {
    app.post(
      `/bookings/:id/${decision}`,
      {
        config: { adminOnly: true, responseHeaders: { 200: ['ETag'] } },
        schema: {
          tags: ['bookings'],
          operationId: `${decision}Booking`,
          querystring: NoQuery,
          summary: decision === 'confirm' ? 'Confirm a pending booking (admin): it becomes active' : 'Decline a pending booking (admin): final, its span freed at once',
          description: 'A booking that is not pending (a cancelled one included) is 409 BOOKING_NOT_PENDING and changes nothing.',
          params: IdParams,
          response: { 200: BookingBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'BOOKING_NOT_FOUND', 'BOOKING_NOT_PENDING') },
        },
      },
      async (request, reply) => {
        const booking = await useCases.decideBooking.execute({ actor: request.actor as Actor, id: request.params.id, decision });
        reply.header('etag', etagOf(booking.version));
        return bookingView(booking, zones);
      },
    );
  }

  app.get(
    '/bookings/:id/history',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'getBookingHistory',
        summary: "A booking's changes, oldest first",
        querystring: NoQuery,
        params: IdParams,
        response: { 200: HistoryBody, ...errorResponses('BOOKING_NOT_FOUND') },
      },
    },
    async (request) => {
      const events = await useCases.getBookingHistory.execute({ actor: request.actor, id: request.params.id });
      // An entry's actor: the API key's id, "customer", or null for an in-process caller.
      return {
        data: events.map((e) => ({ type: e.type, at: isoUtc(e.at), actor: e.actor, changes: e.changes })),
      };
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'Pull feed of booking events in id (= commit) order',
        description: 'Poll with `after=<next_after>` to miss nothing. A client key sees only its own bookings’ events.',
        querystring: EventQuery,
        response: { 200: EventPage, ...errorResponses() },
      },
    },
    async (request) => {
      const page = await useCases.listEvents.execute({ actor: request.actor, after: request.query.after, limit: request.query.limit });
      return {
        data: page.items.map((e) => ({ id: e.id, type: e.type, at: isoUtc(e.at), booking: e.booking, changes: e.changes })),
        next_after: page.nextAfter,
      };
    },
  );
};

