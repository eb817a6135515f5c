import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateSeriesInput, UseCases } from '../../../application/use-cases';
import { bookingView } from '../../../application/views';
import { TimeZones } from '../../../domain/time-zones';
import { CreatedSeriesBody, CreateSeriesBody, IdParams, SeriesBody } from '../schemas';
import { createdView, requiredTargetFields, targetOfBody } from './bookings';
import { CALENDAR_ERRORS, errorResponses, NoQuery, WRITE_ERRORS } from './common';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ maxLength: 255, description: 'Makes the request retry-safe, as for bookings (keys of this route apart)' })),
});

export const seriesRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.post(
    '/booking-series',
    {
      config: { requiredFields: (body) => [...requiredTargetFields(body), 'repeat'], responseHeaders: { 201: ['Location', 'Cache-Control'] } },
      schema: {
        tags: ['series'],
        operationId: 'createSeries',
        summary: 'Book a repeating series in one transaction: every occurrence, or none',
        querystring: NoQuery,
        description:
          'The body of a booking (either form) with `repeat` and `skip_conflicts`. Each occurrence keeps the same local wall-clock time across daylight-saving changes and is judged like a booking. Without skip_conflicts, any refused occurrence refuses the series: 409 SLOT_UNAVAILABLE (or the first 422 code when every refusal is a calendar rule) with details.conflicts. With it, refused occurrences are listed in `skipped`.',
        headers: IdempotencyHeaders,
        body: CreateSeriesBody,
        response: {
          201: CreatedSeriesBody,
          ...errorResponses(...WRITE_ERRORS, 'PROVIDER_NOT_FOUND', 'SERVICE_NOT_FOUND', 'SLOT_UNAVAILABLE', 'IDEMPOTENCY_KEY_IN_USE', ...CALENDAR_ERRORS, 'IDEMPOTENCY_KEY_REUSED'),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await useCases.createSeries.execute({
        actor: request.actor,
        ...targetOfBody(b, false),
        repeat: b.repeat,
        skipConflicts: b.skip_conflicts,
        customerName: b.customer_name,
        customerEmail: b.customer_email,
        notes: b.notes,
        idempotencyKey: request.headers['idempotency-key'],
      } as CreateSeriesInput);
      reply.code(201).header('location', `/api/v1/booking-series/${created.series.id}`).header('cache-control', 'no-store');
      return { id: created.series.id, bookings: created.bookings.map((c) => createdView(c, zones)), skipped: created.skipped };
    },
  );

  app.get(
    '/booking-series/:id',
    {
      schema: {
        tags: ['series'],
        operationId: 'getSeries',
        summary: 'A series and every occurrence, whatever its status',
        querystring: NoQuery,
        params: IdParams,
        response: { 200: SeriesBody, ...errorResponses('SERIES_NOT_FOUND') },
      },
    },
    async (request) => {
      const { series, bookings } = await useCases.getSeries.execute({ actor: request.actor, id: request.params.id });
      return { id: series.id, repeat: series.repeat, bookings: bookings.map((b) => bookingView(b, zones)) };
    },
  );

  app.delete(
    '/booking-series/:id',
    {
      schema: {
        tags: ['series'],
        operationId: 'cancelSeries',
        summary: 'Cancel every occurrence that has not started yet',
        querystring: NoQuery,
        description: 'For a client, occurrences already inside the cancellation notice of the change policy stay as they are.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Cancelled' }), ...errorResponses('SERIES_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await useCases.cancelSeries.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );
};
