import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { bookingView, isoUtc } from '../../../application/views';
import { TimeZones } from '../../../domain/time-zones';
import { BookingBody, BookingListQuery, BookingPage, CreateBookingBody, EventPage, EventQuery, HistoryBody, IdParams, UpdateBookingBody } from '../schemas';
import { errorResponses, WRITE_ERRORS } from './common';

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

const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The ETag ("<version>") last seen; a stale one is 412' })),
});

export const bookingRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.post(
    '/bookings',
    {
      config: { requiredFields: ['provider_id', 'date', 'time'] },
      schema: {
        tags: ['bookings'],
        summary: 'Book a provider at a local date and time',
        description:
          'Judged in the provider’s time zone: 422 for calendar rules (in order NONEXISTENT_LOCAL_TIME, IN_THE_PAST, TOO_SOON, TOO_FAR_AHEAD, OUTSIDE_WORKING_HOURS), then 409 SLOT_UNAVAILABLE when the span (widened by buffers) overlaps another active booking. Send Idempotency-Key to make retries safe.',
        headers: IdempotencyHeaders,
        body: CreateBookingBody,
        response: { 201: BookingBody, ...errorResponses(...WRITE_ERRORS, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const booking = await useCases.createBooking.execute({
        actor: request.actor,
        providerId: b.provider_id,
        date: b.date,
        time: b.time,
        durationMinutes: b.duration_minutes,
        customerName: b.customer_name,
        customerEmail: b.customer_email,
        notes: b.notes,
        idempotencyKey: request.headers['idempotency-key'],
      });
      reply.code(201).header('location', `/api/v1/bookings/${booking.id}`).header('etag', etagOf(booking.version));
      return bookingView(booking, zones);
    },
  );

  app.get(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        summary: 'List bookings in (starts_at, id) order with keyset pagination',
        description: '`from`/`to` are inclusive provider-local dates. A client key sees only the bookings it created.',
        querystring: BookingListQuery,
        response: { 200: BookingPage, ...errorResponses(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await useCases.listBookings.execute({
        actor: request.actor,
        providerId: q.provider_id,
        from: q.from,
        to: q.to,
        status: q.status,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { data: page.items.map((b) => bookingView(b, zones)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/bookings/:id',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Get a booking (cancelled ones too); its version is the ETag',
        params: IdParams,
        response: { 200: BookingBody, 304: Type.Null({ description: 'Not modified' }), ...errorResponses(400, 404) },
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
        bodyRequired: true,
        forbiddenFields: { provider_id: 'provider_id cannot be changed; cancel this booking and book the other provider' },
      },
      schema: {
        tags: ['bookings'],
        summary: 'Reschedule or edit a booking in one transaction',
        description:
          'A change of date, time or duration obeys the same 422 and 409 rules as a new booking (moving within its own span works). `null` clears an optional field. A PATCH that changes nothing answers 200 and records nothing.',
        params: IdParams,
        headers: IfMatchHeaders,
        body: UpdateBookingBody,
        response: { 200: BookingBody, ...errorResponses(...WRITE_ERRORS, 404, 409, 412, 422) },
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
      schema: {
        tags: ['bookings'],
        summary: 'Cancel a booking: its span is free at once; it stays readable. Cancelling again is 204 too.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Cancelled' }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      await useCases.cancelBooking.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/bookings/:id/history',
    {
      schema: {
        tags: ['bookings'],
        summary: "A booking's changes, oldest first",
        params: IdParams,
        response: { 200: HistoryBody, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const events = await useCases.getBookingHistory.execute({ actor: request.actor, id: request.params.id });
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
        summary: 'Pull feed of booking events in id (= commit) order',
        description: 'Poll with `after=<next_after>` to miss nothing. A client key sees only its own bookings’ events.',
        querystring: EventQuery,
        response: { 200: EventPage, ...errorResponses(400) },
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

