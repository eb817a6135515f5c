import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { serviceView } from '../../../application/views';
import {
  CreateServiceBody,
  IdParams,
  PageQuery,
  ServiceAvailabilityBody,
  ServiceAvailabilityQuery,
  ServiceBody,
  ServicePage,
  UpdateServiceBody,
} from '../schemas';
import { errorResponses, NoQuery, WRITE_ERRORS } from './common';
import { availabilityEtag, IfNoneMatchHeaders, noneMatch } from './schedules';

/** A service body's fields in the use cases' terms (absent ones stay undefined). */
function serviceFields(b: {
  name?: string;
  duration_minutes?: number;
  pools?: number[][];
  timezone?: string;
  slot_interval_minutes?: number;
  requires_confirmation?: boolean;
  min_cancel_notice_minutes?: number;
  min_reschedule_notice_minutes?: number;
}) {
  return {
    name: b.name,
    durationMinutes: b.duration_minutes,
    pools: b.pools,
    timezone: b.timezone,
    slotIntervalMinutes: b.slot_interval_minutes,
    requiresConfirmation: b.requires_confirmation,
    minCancelNoticeMinutes: b.min_cancel_notice_minutes,
    minRescheduleNoticeMinutes: b.min_reschedule_notice_minutes,
  };
}

export const serviceRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases }> = async (app, { useCases }) => {
  app.post(
    '/services',
    {
      config: { adminOnly: true, requiredFields: ['name', 'duration_minutes', 'pools'], responseHeaders: { 201: ['Location'] } },
      schema: {
        tags: ['services'],
        operationId: 'createService',
        summary: 'Create a service (admin): one provider of each pool, booked together',
        querystring: NoQuery,
        description:
          '1 to 5 pools of 1 to 50 distinct existing providers; a provider may be in one pool only (400 otherwise, and for an unknown provider). `slot_interval_minutes` defaults to the duration.',
        body: CreateServiceBody,
        response: { 201: ServiceBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN') },
      },
    },
    async (request, reply) => {
      const b = request.body;
      // The schema requires these three; the rest may be absent.
      const service = await useCases.createService.execute({
        ...serviceFields(b),
        actor: request.actor,
        name: b.name,
        durationMinutes: b.duration_minutes,
        pools: b.pools,
      });
      reply.code(201).header('location', `/api/v1/services/${service.id}`);
      return serviceView(service);
    },
  );

  app.get(
    '/services',
    {
      schema: {
        tags: ['services'],
        operationId: 'listServices',
        summary: 'List services in id order (keyset pagination)',
        querystring: PageQuery,
        response: { 200: ServicePage, ...errorResponses() },
      },
    },
    async (request) => {
      const page = await useCases.listServices.execute({ actor: request.actor, limit: request.query.limit, cursor: request.query.cursor });
      return { data: page.items.map(serviceView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/services/:id',
    {
      schema: {
        tags: ['services'],
        operationId: 'getService',
        summary: 'Get a service',
        querystring: NoQuery,
        params: IdParams,
        response: { 200: ServiceBody, ...errorResponses('SERVICE_NOT_FOUND') },
      },
    },
    async (request) => serviceView(await useCases.getService.execute({ actor: request.actor, id: request.params.id })),
  );

  app.patch(
    '/services/:id',
    {
      config: { adminOnly: true, bodyRequired: true },
      schema: {
        tags: ['services'],
        operationId: 'updateService',
        summary: 'Change a service (admin); same rules as create, for new bookings only',
        querystring: NoQuery,
        params: IdParams,
        body: UpdateServiceBody,
        response: { 200: ServiceBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'SERVICE_NOT_FOUND') },
      },
    },
    async (request) => {
      const service = await useCases.updateService.execute({
        actor: request.actor,
        id: request.params.id,
        changes: serviceFields(request.body),
      });
      return serviceView(service);
    },
  );

  app.delete(
    '/services/:id',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['services'],
        operationId: 'deleteService',
        summary: 'Delete a service (admin): gone for every route from then on; its bookings stay as they are',
        querystring: NoQuery,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses('FORBIDDEN', 'SERVICE_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await useCases.deleteService.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/services/:id/availability',
    {
      config: { responseHeaders: { 200: ['ETag', 'Cache-Control'], 304: ['ETag', 'Cache-Control'] } },
      schema: {
        tags: ['availability'],
        operationId: 'getServiceAvailability',
        summary: "Bookable times of a service, per date (up to 62 dates), on the service's grid",
        description:
          'The times every slot_interval_minutes from local midnight (in the service’s zone) at which a booking of the service would be accepted now: exactly the rule POST /bookings applies. ETag and If-None-Match as for a provider.',
        params: IdParams,
        querystring: ServiceAvailabilityQuery,
        headers: IfNoneMatchHeaders,
        response: { 200: ServiceAvailabilityBody, 304: Type.Null({ description: 'Not modified' }), ...errorResponses('SERVICE_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const a = await useCases.getServiceAvailability.execute({
        actor: request.actor,
        serviceId: request.params.id,
        date: request.query.date,
        to: request.query.to,
      });
      const body = { service_id: a.serviceId, timezone: a.timezone, duration_minutes: a.durationMinutes, days: a.days };
      const etag = availabilityEtag(a.basis, body);
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (noneMatch(request.headers['if-none-match'], etag)) return (reply as FastifyReply).code(304).send();
      return body;
    },
  );
};
