import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UseCases } from '../../../application/use-cases';
import { providerView } from '../../../application/views';
import { isAdmin } from '../../../domain/actor';
import { CreateProviderBody, IdParams, PageQuery, ProviderBody, ProviderPage, UpdateProviderBody } from '../schemas';
import { errorResponses, NoQuery, WRITE_ERRORS } from './common';

export const providerRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases }> = async (app, { useCases }) => {
  app.post(
    '/providers',
    {
      config: { adminOnly: true, requiredFields: ['name', 'email'], responseHeaders: { 201: ['Location'] } },
      schema: {
        tags: ['providers'],
        operationId: 'createProvider',
        summary: 'Create a provider (admin)',
        querystring: NoQuery,
        body: CreateProviderBody,
        response: { 201: ProviderBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'EMAIL_TAKEN') },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const provider = await useCases.createProvider.execute({
        actor: request.actor,
        name: b.name,
        email: b.email,
        timezone: b.timezone,
        defaultDurationMinutes: b.default_duration_minutes,
        capacity: b.capacity,
      });
      reply.code(201).header('location', `/api/v1/providers/${provider.id}`);
      return providerView(provider, isAdmin(request.actor));
    },
  );

  app.get(
    '/providers',
    {
      schema: {
        tags: ['providers'],
        operationId: 'listProviders',
        summary: 'List providers in id order (keyset pagination)',
        querystring: PageQuery,
        response: { 200: ProviderPage, ...errorResponses() },
      },
    },
    async (request) => {
      const page = await useCases.listProviders.execute({ actor: request.actor, limit: request.query.limit, cursor: request.query.cursor });
      return { data: page.items.map((p) => providerView(p, isAdmin(request.actor))), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/providers/:id',
    {
      schema: {
        tags: ['providers'],
        operationId: 'getProvider',
        summary: 'Get a provider',
        querystring: NoQuery,
        params: IdParams,
        response: { 200: ProviderBody, ...errorResponses('PROVIDER_NOT_FOUND') },
      },
    },
    async (request) => {
      const provider = await useCases.getProvider.execute({ actor: request.actor, id: request.params.id });
      return providerView(provider, isAdmin(request.actor));
    },
  );

  app.patch(
    '/providers/:id',
    {
      config: { adminOnly: true, bodyRequired: true },
      schema: {
        tags: ['providers'],
        operationId: 'updateProvider',
        summary: 'Change a provider (admin); same rules as create',
        querystring: NoQuery,
        description: 'Lowering `capacity` below what some instant from now on already holds (bookings and live holds) is 409 CAPACITY_IN_USE and changes nothing.',
        params: IdParams,
        body: UpdateProviderBody,
        response: { 200: ProviderBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'PROVIDER_NOT_FOUND', 'EMAIL_TAKEN', 'CAPACITY_IN_USE') },
      },
    },
    async (request) => {
      const b = request.body;
      const provider = await useCases.updateProvider.execute({
        actor: request.actor,
        id: request.params.id,
        changes: { name: b.name, email: b.email, timezone: b.timezone, defaultDurationMinutes: b.default_duration_minutes, capacity: b.capacity },
      });
      return providerView(provider, true);
    },
  );

  app.post(
    '/providers/:id/calendar-token',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['providers'],
        operationId: 'rotateCalendarToken',
        summary: "Rotate the provider's calendar feed token (admin); the old token stops working at once",
        querystring: NoQuery,
        params: IdParams,
        response: { 200: ProviderBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'PROVIDER_NOT_FOUND') },
      },
    },
    async (request) => {
      const provider = await useCases.rotateCalendarToken.execute({ actor: request.actor, id: request.params.id });
      return providerView(provider, true);
    },
  );
};

