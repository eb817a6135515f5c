import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { UseCases } from '../../../application/use-cases';
import { isoUtc } from '../../../application/views';
import { ApiKey } from '../../../domain/api-key';
import { ValidationError } from '../../../domain/errors';
import { IdParams } from '../schemas';
import { errorResponses, NoQuery, WRITE_ERRORS } from './common';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);

const ApiKeyBody = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('client')]),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Nullable(Type.String({ format: 'date-time' })),
    last_used_at: Nullable(Type.String({ format: 'date-time', description: 'Updated at most once a minute' })),
    revoked_at: Nullable(Type.String({ format: 'date-time' })),
  },
  { title: 'ApiKey' },
);

const IssuedKeyBody = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('client')]),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Nullable(Type.String({ format: 'date-time' })),
    key: Type.String({ description: 'The secret: shown this once, stored only as a hash' }),
  },
  {
    title: 'IssuedApiKey',
    examples: [
      { id: 2, name: 'front desk app', role: 'client', created_at: '2027-01-05T10:00:00.000Z', expires_at: null, key: 'bk_3q2-7wJ0pO0vQ0n8rGm1mXx9Zc4sT6yA' },
    ],
  },
);

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Union([Type.Literal('admin'), Type.Literal('client')]),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'ISO 8601 instant in the future' }))),
  },
  { additionalProperties: false, examples: [{ name: 'front desk app', role: 'client' }] },
);

function view(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    created_at: isoUtc(k.createdAt),
    expires_at: k.expiresAt === null ? null : isoUtc(k.expiresAt),
    last_used_at: k.lastUsedAt === null ? null : isoUtc(k.lastUsedAt),
    revoked_at: k.revokedAt === null ? null : isoUtc(k.revokedAt),
  };
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases }> = async (app, { useCases }) => {
  app.post(
    '/api-keys',
    {
      config: { adminOnly: true, requiredFields: ['name', 'role'] },
      schema: {
        tags: ['api keys'],
        operationId: 'createApiKey',
        summary: 'Issue an API key (admin); the secret is in the answer only',
        querystring: NoQuery,
        body: CreateKeyBody,
        response: { 201: IssuedKeyBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN') },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const expiresAt = b.expires_at === undefined || b.expires_at === null ? null : Date.parse(b.expires_at);
      if (Number.isNaN(expiresAt)) throw new ValidationError('expires_at must be an ISO 8601 instant', { field: 'expires_at' });
      const issued = await useCases.createApiKey.execute({ actor: request.actor, name: b.name, role: b.role, expiresAt });
      const { last_used_at: _l, revoked_at: _r, ...rest } = view(issued.apiKey);
      reply.code(201);
      return { ...rest, key: issued.secret };
    },
  );

  app.get(
    '/api-keys',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['api keys'],
        operationId: 'listApiKeys',
        summary: 'List API keys (admin), without secrets',
        querystring: NoQuery,
        response: { 200: Type.Object({ data: Type.Array(ApiKeyBody) }, { title: 'ApiKeyList' }), ...errorResponses('FORBIDDEN') },
      },
    },
    async (request) => ({ data: (await useCases.listApiKeys.execute({ actor: request.actor })).map(view) }),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['api keys'],
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key (admin); refused from then on. The last active admin key cannot be revoked (409 LAST_ADMIN_KEY).',
        querystring: NoQuery,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses('FORBIDDEN', 'NOT_FOUND', 'LAST_ADMIN_KEY') },
      },
    },
    async (request, reply) => {
      await useCases.revokeApiKey.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );
};
