import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { BookingNotFoundError } from '../../../domain/errors';
import { TimeZones } from '../../../domain/time-zones';
import { publicErrorResponses } from './common';
import { MANAGE_ASSETS, MANAGE_ICON, MANAGE_PAGE_HEADERS, MANAGE_SCRIPT, MANAGE_STYLES, managePage, notFoundPage } from '../manage-page';

const PageParams = Type.Object({ id: Type.String({ maxLength: 20, description: 'The booking id' }) }, { additionalProperties: false });
const PageQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 256, description: 'The booking’s manage_token' })) });

/** The customer's page behind the link in their emails: `/manage/{booking id}?token=<manage token>`. */
export const manageRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.get(
    '/manage/:id',
    {
      config: { public: true, responseHeaders: { 200: ['Cache-Control'], 404: ['Cache-Control'] } },
      schema: {
        tags: ['self-service'],
        operationId: 'getManagePage',
        summary: "The customer's page for one booking (HTML): see it, cancel it, move it",
        description:
          'The link in the emails to a booking’s customer (with PUBLIC_URL set). Shows the booking in the customer’s terms (service or provider, local date and time, time zone), a button that cancels it, and the free start times of the next 14 days to move it to; both act through the bookings API with the same token. ' +
          'A wrong token, a malformed address or an unknown booking all give the same plain 404 page. Served with a strict Content-Security-Policy, Referrer-Policy: no-referrer and Cache-Control: no-store. Counts against the caller’s address for rate limits.',
        params: PageParams,
        querystring: PageQuery,
        response: {
          ...publicErrorResponses('RATE_LIMITED'),
          200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
          404: { description: 'The plain “not found” page', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
      // A malformed address opens nothing, like a wrong token: the same plain page.
      attachValidation: true,
    },
    async (request, reply) => {
      reply.headers(MANAGE_PAGE_HEADERS);
      const id = Number(request.params.id);
      const token = request.query.token;
      if (request.validationError || !Number.isSafeInteger(id) || id < 1 || !token) return reply.code(404).send(notFoundPage());
      try {
        return managePage(await useCases.getCustomerBooking.execute({ bookingId: id, token }), zones);
      } catch (error) {
        if (error instanceof BookingNotFoundError) return reply.code(404).send(notFoundPage());
        throw error;
      }
    },
  );

  for (const [name, type, body] of [
    ['manage.js', 'text/javascript; charset=utf-8', MANAGE_SCRIPT],
    ['manage.css', 'text/css; charset=utf-8', MANAGE_STYLES],
    ['icon.svg', 'image/svg+xml', MANAGE_ICON],
  ] as const) {
    app.get(`${MANAGE_ASSETS}/${name}`, { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', type).header('cache-control', 'public, max-age=3600');
      return body;
    });
  }
};
