import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateHoldInput, UseCases } from '../../../application/use-cases';
import { holdView } from '../../../application/views';
import { TimeZones } from '../../../domain/time-zones';
import { CreateHoldBody, HoldBody, IdParams } from '../schemas';
import { requiredTargetFields, targetOfBody } from './bookings';
import { CALENDAR_ERRORS, errorResponses, NoQuery, WRITE_ERRORS } from './common';

export const holdRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.post(
    '/holds',
    {
      config: { requiredFields: requiredTargetFields, responseHeaders: { 201: ['Location'] } },
      schema: {
        tags: ['holds'],
        operationId: 'createHold',
        summary: 'Hold a span for a short while (a checkout): it occupies like a booking until it expires',
        querystring: NoQuery,
        description:
          'The body of a booking (provider or service form, no customer fields) and `ttl_seconds` (30 to 3600, default 300); the same 400/404/422/409 rules as a booking. Expiry needs no background job: at `expires_at` the span is free. Turn it into a booking with POST /bookings {"hold_id"}.',
        body: CreateHoldBody,
        response: { 201: HoldBody, ...errorResponses(...WRITE_ERRORS, 'PROVIDER_NOT_FOUND', 'SERVICE_NOT_FOUND', 'SLOT_UNAVAILABLE', ...CALENDAR_ERRORS) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const hold = await useCases.createHold.execute({ actor: request.actor, ...targetOfBody(b, false), ttlSeconds: b.ttl_seconds } as CreateHoldInput);
      reply.code(201).header('location', `/api/v1/holds/${hold.id}`);
      return holdView(hold, zones);
    },
  );

  app.get(
    '/holds/:id',
    {
      schema: {
        tags: ['holds'],
        operationId: 'getHold',
        summary: 'A live hold of the caller (an expired, released or converted one is 404 HOLD_NOT_FOUND)',
        querystring: NoQuery,
        params: IdParams,
        response: { 200: HoldBody, ...errorResponses('HOLD_NOT_FOUND') },
      },
    },
    async (request) => holdView(await useCases.getHold.execute({ actor: request.actor, id: request.params.id }), zones),
  );

  app.delete(
    '/holds/:id',
    {
      schema: {
        tags: ['holds'],
        operationId: 'releaseHold',
        summary: 'Release a hold: its span is free at once (releasing one that already ended is 204 too)',
        querystring: NoQuery,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Released' }), ...errorResponses('HOLD_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await useCases.releaseHold.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );
};
