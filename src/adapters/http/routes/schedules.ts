import { createHash } from 'node:crypto';
import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { AvailabilityBody, AvailabilityQuery, ProviderIdParams, ScheduleBody, ScheduleView } from '../schemas';
import { errorResponses, NoQuery, WRITE_ERRORS } from './common';

/**
 * An availability ETag: a digest of what the answer was worked out from (the rules, what occupies the dates) and of
 * the answer itself, which also changes when time alone makes a slot lapse.
 */
export function availabilityEtag(basis: string, body: unknown): string {
  return `"${createHash('sha1').update(basis).update('\n').update(JSON.stringify(body)).digest('base64url').slice(0, 22)}"`;
}

/** True when an `If-None-Match` header names `etag`: a list of tags, weak ones included, or `*`. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** A conditional GET: the ETag of the answer last seen. */
export const IfNoneMatchHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ maxLength: 1024, description: 'ETags of answers already held; 304 when the answer is one of them' })),
});

export const scheduleRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases }> = async (app, { useCases }) => {
  app.put(
    '/providers/:id/schedule',
    {
      config: { adminOnly: true, requiredFields: ['weekly'] },
      schema: {
        tags: ['schedules'],
        operationId: 'putSchedule',
        summary: "Set a provider's working hours and booking limits (admin)",
        querystring: NoQuery,
        description:
          'Windows are sorted on the way in; overlapping windows, an end not after its start or an unknown day is 400. `24:00` may end a window. Existing bookings are never touched.',
        params: ProviderIdParams,
        body: ScheduleBody,
        response: { 200: ScheduleView, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'PROVIDER_NOT_FOUND') },
      },
    },
    async (request) => {
      const schedule = await useCases.putSchedule.execute({
        actor: request.actor,
        providerId: request.params.id,
        schedule: request.body as Parameters<UseCases['putSchedule']['execute']>[0]['schedule'],
      });
      return schedule.toView();
    },
  );

  app.get(
    '/providers/:id/schedule',
    {
      schema: {
        tags: ['schedules'],
        operationId: 'getSchedule',
        summary: "A provider's schedule (404 NOT_FOUND when it has none: open all day)",
        querystring: NoQuery,
        params: ProviderIdParams,
        response: { 200: ScheduleView, ...errorResponses('PROVIDER_NOT_FOUND', 'NOT_FOUND') },
      },
    },
    async (request) => (await useCases.getSchedule.execute({ actor: request.actor, providerId: request.params.id })).toView(),
  );

  app.delete(
    '/providers/:id/schedule',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['schedules'],
        operationId: 'deleteSchedule',
        summary: "Remove a provider's schedule (admin): open all day again",
        querystring: NoQuery,
        params: ProviderIdParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses('FORBIDDEN', 'PROVIDER_NOT_FOUND', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await useCases.deleteSchedule.execute({ actor: request.actor, providerId: request.params.id });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/providers/:id/availability',
    {
      config: { responseHeaders: { 200: ['ETag', 'Cache-Control'], 304: ['ETag', 'Cache-Control'] } },
      schema: {
        tags: ['availability'],
        operationId: 'getProviderAvailability',
        summary: 'Bookable start times, per date (up to 62 dates)',
        description:
          'Every start on a grid of the duration from each working window’s start at which a booking of that duration would be accepted now: exactly the rule POST /bookings applies. The ETag changes whenever the provider’s bookings or schedule change (or time makes a slot lapse); If-None-Match gives 304.',
        params: ProviderIdParams,
        querystring: AvailabilityQuery,
        headers: IfNoneMatchHeaders,
        response: { 200: AvailabilityBody, 304: Type.Null({ description: 'Not modified' }), ...errorResponses('PROVIDER_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const a = await useCases.getAvailability.execute({
        actor: request.actor,
        providerId: request.params.id,
        date: q.date,
        to: q.to,
        durationMinutes: q.duration_minutes,
      });
      const body = { provider_id: a.providerId, timezone: a.timezone, duration_minutes: a.durationMinutes, days: a.days };
      const etag = availabilityEtag(a.basis, body);
      reply.header('etag', etag).header('cache-control', 'no-cache');
      // A 304 has no body at all (send(null) would write "null").
      if (noneMatch(request.headers['if-none-match'], etag)) return (reply as FastifyReply).code(304).send();
      return body;
    },
  );
};
