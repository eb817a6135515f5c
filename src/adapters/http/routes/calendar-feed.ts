import { createHash } from 'node:crypto';
import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { FEED_DAYS_AHEAD, FEED_DAYS_BACK, FEED_MAX_BOOKINGS } from '../../../application/use-cases/calendar-feed';
import { bookingView } from '../../../application/views';
import { TimeZones } from '../../../domain/time-zones';
import { feedText } from '../../icalendar/icalendar';
import { IdParams } from '../schemas';
import { errorResponses } from './common';
import { IfNoneMatchHeaders } from './schedules';

const FeedQuery = Type.Object(
  { token: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The provider's calendar_token, for calendar apps that cannot send headers" })) },
  { additionalProperties: false },
);

/** True when an `If-None-Match` header names `etag`: a list of tags, weak ones included, or `*`. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export const calendarFeedRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.get(
    '/providers/:id/calendar.ics',
    {
      // Public so that calendar apps can subscribe with ?token=; a Bearer key, when sent, is still checked.
      config: { public: true, calendarToken: true, responseHeaders: { 200: ['ETag', 'Cache-Control'], 304: ['ETag', 'Cache-Control'] } },
      schema: {
        tags: ['providers'],
        operationId: 'getCalendarFeed',
        summary: "The provider's active bookings as an iCalendar feed",
        description:
          'text/calendar for calendar apps to subscribe to: one VEVENT per active booking, UID booking-<id>@booking-service, SEQUENCE = the booking version. ' +
          `It covers bookings whose local date lies from ${FEED_DAYS_BACK} days before today to ${FEED_DAYS_AHEAD} days after it (today in the provider's zone), ` +
          `at most ${FEED_MAX_BOOKINGS} of them: the upcoming ones first, then the most recent past ones that still fit. ` +
          'Opens with any API key (Bearer) or with ?token=<calendar_token>; a wrong or rotated token is 401. ' +
          'Admin keys and the token (the provider’s own calendar app) see every booking in full. A client key sees its own bookings in full and every other booking only as busy time: ' +
          'VEVENTs with SUMMARY "Busy", the span in UTC, and no booking id, customer, note or history (touching or overlapping busy spans are merged). ' +
          'The ETag is a digest of the body; If-None-Match with it gives 304.',
        params: IdParams,
        querystring: FeedQuery,
        headers: IfNoneMatchHeaders,
        response: {
          200: { description: 'RFC 5545 calendar', content: { 'text/calendar': { schema: { type: 'string' } } } },
          304: Type.Null({ description: 'Not modified: the feed is what If-None-Match names' }),
          ...errorResponses('PROVIDER_NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const { provider, bookings, busy } = await useCases.getCalendarFeed.execute({
        actor: request.actor ?? null,
        providerId: request.params.id,
        token: request.query.token,
      });
      const stampedAt = bookings.reduce((latest, b) => Math.max(latest, b.updatedAt), provider.updatedAt);
      const body = feedText(
        bookings.map((b) => bookingView(b, zones)),
        { id: provider.id, name: provider.name, email: provider.email, timezone: provider.timezone },
        { stampedAt },
        busy,
      );
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      // A 304 has no body at all (send(null) would write "null").
      if (noneMatch(request.headers['if-none-match'], etag)) return (reply as FastifyReply).code(304).send();
      reply.header('content-type', 'text/calendar; charset=utf-8').header('content-disposition', `inline; filename="provider-${provider.id}.ics"`);
      return body;
    },
  );
};
