import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { BookingNotFoundError } from '../../../domain/errors';
import { TimeZones } from '../../../domain/time-zones';
import { MANAGE_ASSETS, MANAGE_ICON, MANAGE_PAGE_HEADERS, MANAGE_SCRIPT, MANAGE_STYLES, managePage, notFoundPage } from '../manage-page';

const PageParams = Type.Object({ id: Type.String({ maxLength: 20 }) }, { additionalProperties: false });
const PageQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 256 })) });

/** The customer's page behind the link in their emails: `/manage/{booking id}?token=<manage token>`. */
export const manageRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases; zones: TimeZones }> = async (app, { useCases, zones }) => {
  app.get(
    '/manage/:id',
    {
      config: { public: true },
      schema: { hide: true, params: PageParams, querystring: PageQuery },
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
