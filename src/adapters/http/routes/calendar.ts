import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { bookingView } from '../../../application/views';
import { TimeZones } from '../../../domain/time-zones';
import { feedText } from '../../calendar/icalendar';
import { IdParams } from '../schemas';
import { errorResponses } from './common';

const FeedQuery = Type.Object(
  { token: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The provider's calendar_token, for calendar apps that cannot send headers" })) },
  { additionalProperties: false },
);

export const calendarRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.get(
    '/providers/:id/calendar.ics',
    {
      // Public so that calendar apps can subscribe with ?token=; a Bearer key, when sent, is still checked.
      config: { public: true },
      schema: {
        tags: ['providers'],
        summary: "The provider's active bookings as an iCalendar feed",
        description:
          'text/calendar for calendar apps to subscribe to: one VEVENT per active booking, UID booking-<id>@booking-service, SEQUENCE = the booking version. Opens with any API key (Bearer) or with ?token=<calendar_token>; a wrong or rotated token is 401.',
        params: IdParams,
        querystring: FeedQuery,
        response: {
          200: { description: 'RFC 5545 calendar', content: { 'text/calendar': { schema: { type: 'string' } } } },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { provider, bookings } = await useCases.getCalendarFeed.execute({
        actor: request.actor ?? null,
        providerId: request.params.id,
        token: request.query.token,
      });
      const stampedAt = bookings.reduce((latest, b) => Math.max(latest, b.updatedAt), provider.updatedAt);
      const body = feedText(
        bookings.map((b) => bookingView(b, zones)),
        { id: provider.id, name: provider.name, email: provider.email, timezone: provider.timezone },
        { stampedAt },
      );
      reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('content-disposition', `inline; filename="provider-${provider.id}.ics"`)
        .header('cache-control', 'private, no-cache');
      return body;
    },
  );
};
