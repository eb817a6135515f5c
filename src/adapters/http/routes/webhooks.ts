import { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DeliveryAttempt } from '../../../application/ports/outbox';
import { UseCases } from '../../../application/use-cases';
import { isoUtc } from '../../../application/views';
import { Webhook, WEBHOOK_SECRET_GRACE_MS } from '../../../domain/webhook';
import { documentedAs, EventType, IdParams } from '../schemas';
import { errorResponses, NoQuery, WRITE_ERRORS } from './common';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);

const WebhookBody = Type.Object(
  {
    id: Type.Integer(),
    url: Type.String(),
    events: Type.Array(EventType),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Webhook', examples: [{ id: 1, url: 'https://example.com/hooks/bookings', events: ['booking.created'], created_at: '2027-01-05T10:00:00.000Z' }] },
);

const CreatedWebhookBody = Type.Object(
  {
    id: Type.Integer(),
    url: Type.String(),
    events: Type.Array(EventType),
    created_at: Type.String({ format: 'date-time' }),
    secret: Type.String({ description: 'Signs every request (X-Webhook-Signature); shown only this once' }),
  },
  {
    title: 'CreatedWebhook',
    examples: [
      {
        id: 1,
        url: 'https://example.com/hooks/bookings',
        events: ['booking.created', 'booking.cancelled'],
        created_at: '2027-01-05T10:00:00.000Z',
        secret: 'whsec_9n3Jx0hZx1q2bEJ0Zr4c8yB2Vt7mKp1W',
      },
    ],
  },
);

const CreateWebhookRequest = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL on a public address' }),
    // Any text passes here: the domain names an unknown type in its refusal.
    events: documentedAs(Type.Array(Type.String(), { minItems: 1, maxItems: 16 }), Type.Array(EventType, { minItems: 1, maxItems: 16 })),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Generated when absent' })),
  },
  { additionalProperties: false, examples: [{ url: 'https://example.com/hooks/bookings', events: ['booking.created', 'booking.cancelled'] }] },
);

const RotateSecretRequest = Type.Object(
  { secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'The new secret; generated when absent' })) },
  { additionalProperties: false, examples: [{}] },
);

const RotatedSecretBody = Type.Object(
  {
    id: Type.Integer(),
    url: Type.String(),
    events: Type.Array(EventType),
    created_at: Type.String({ format: 'date-time' }),
    secret: Type.String({ description: 'The new secret; shown only this once' }),
    previous_secret_expires_at: Type.String({
      format: 'date-time',
      description: 'Until then every delivery is signed with both secrets (two v1= values, the new one first); from then on with the new one only',
    }),
  },
  {
    title: 'RotatedWebhookSecret',
    examples: [
      {
        id: 1,
        url: 'https://example.com/hooks/bookings',
        events: ['booking.created'],
        created_at: '2027-01-05T10:00:00.000Z',
        secret: 'whsec_Q2m8Zp4Lr7Tn1Vx5Kc9Bd3Fh6Jw0Ys2A',
        previous_secret_expires_at: '2027-02-02T09:00:00.000Z',
      },
    ],
  },
);

const DeliveryBody = Type.Object(
  {
    event_id: Type.Integer(),
    attempt: Type.Integer({ description: '1 for the first try of that event, then rising' }),
    status_code: Nullable(Type.Integer({ description: 'The HTTP status answered; null when none came (refused, timeout)' })),
    error: Nullable(Type.String()),
    at: Type.String({ format: 'date-time' }),
    next_attempt_at: Nullable(Type.String({ format: 'date-time', description: 'null once delivered, or once given up on' })),
  },
  {
    title: 'Delivery',
    examples: [
      { event_id: 12, attempt: 1, status_code: 503, error: 'HTTP 503', at: '2027-01-05T10:00:00.000Z', next_attempt_at: '2027-01-05T10:00:07.312Z' },
    ],
  },
);

const DeliveryQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
  { additionalProperties: false },
);

function view(w: Webhook) {
  return { id: w.id, url: w.url, events: w.events, created_at: isoUtc(w.createdAt) };
}

function deliveryView(d: DeliveryAttempt) {
  return {
    event_id: d.eventId,
    attempt: d.attempt,
    status_code: d.statusCode,
    error: d.error,
    at: isoUtc(d.at),
    next_attempt_at: d.nextAttemptAt === null ? null : isoUtc(d.nextAttemptAt),
  };
}

export const webhookRoutes: FastifyPluginAsyncTypebox<{ useCases: UseCases }> = async (app, { useCases }) => {
  app.post(
    '/webhooks',
    {
      config: { requiredFields: ['url', 'events'], adminOnly: true, responseHeaders: { 201: ['Location'] } },
      schema: {
        tags: ['webhooks'],
        operationId: 'createWebhook',
        summary: 'Register a webhook (admin); the secret is shown only in this answer',
        querystring: NoQuery,
        description:
          'Each matching event committed from now on is POSTed as JSON with X-Webhook-Event-Id and X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">. Targets on loopback or private networks are refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true.',
        body: CreateWebhookRequest,
        response: { 201: CreatedWebhookBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN') },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const webhook = await useCases.createWebhook.execute({ actor: request.actor, url: b.url, events: b.events, secret: b.secret });
      reply.code(201).header('location', `/api/v1/webhooks/${webhook.id}`);
      return { ...view(webhook), secret: webhook.secret };
    },
  );

  app.post(
    '/webhooks/:id/secret',
    {
      config: { adminOnly: true },
      // The body is optional: none at all counts as `{}`.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
      schema: {
        tags: ['webhooks'],
        operationId: 'rotateWebhookSecret',
        summary: 'Rotate a webhook\u2019s secret (admin); the new secret is shown only in this answer',
        description: `For ${WEBHOOK_SECRET_GRACE_MS / 3_600_000} hours every delivery is signed with the new and the old secret (two v1= values in X-Webhook-Signature, the new one first), so a receiver can switch at any moment within that time without rejecting an event; then with the new one only.`,
        params: IdParams,
        querystring: NoQuery,
        body: RotateSecretRequest,
        response: { 200: RotatedSecretBody, ...errorResponses(...WRITE_ERRORS, 'FORBIDDEN', 'NOT_FOUND') },
      },
    },
    async (request) => {
      const webhook = await useCases.rotateWebhookSecret.execute({ actor: request.actor, id: request.params.id, secret: request.body.secret });
      return { ...view(webhook), secret: webhook.secret, previous_secret_expires_at: isoUtc(webhook.previousSecretExpiresAt ?? webhook.createdAt) };
    },
  );

  app.get(
    '/webhooks',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['webhooks'],
        operationId: 'listWebhooks',
        summary: 'List webhooks (admin), without secrets',
        querystring: NoQuery,
        response: { 200: Type.Object({ data: Type.Array(WebhookBody) }, { title: 'WebhookList' }), ...errorResponses('FORBIDDEN') },
      },
    },
    async (request) => ({ data: (await useCases.listWebhooks.execute({ actor: request.actor })).map(view) }),
  );

  app.get(
    '/webhooks/:id',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['webhooks'],
        operationId: 'getWebhook',
        summary: 'Get a webhook (admin)',
        querystring: NoQuery,
        params: IdParams,
        response: { 200: WebhookBody, ...errorResponses('FORBIDDEN', 'NOT_FOUND') },
      },
    },
    async (request) => view(await useCases.getWebhook.execute({ actor: request.actor, id: request.params.id })),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['webhooks'],
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook (admin); deliveries not yet made are dropped',
        querystring: NoQuery,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses('FORBIDDEN', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await useCases.deleteWebhook.execute({ actor: request.actor, id: request.params.id });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { adminOnly: true },
      schema: {
        tags: ['webhooks'],
        operationId: 'listWebhookDeliveries',
        summary: 'Delivery attempts of a webhook (admin), newest first',
        description:
          'One entry per attempt. An attempt with next_attempt_at set failed and will be retried then (exponential backoff with jitter, first retry within 10 s, for at least 24 hours); a failed attempt with next_attempt_at null was the last: that delivery failed for good.',
        params: IdParams,
        querystring: DeliveryQuery,
        response: { 200: Type.Object({ data: Type.Array(DeliveryBody) }, { title: 'DeliveryList' }), ...errorResponses('FORBIDDEN', 'NOT_FOUND') },
      },
    },
    async (request) => {
      const attempts = await useCases.listWebhookDeliveries.execute({ actor: request.actor, id: request.params.id, limit: request.query.limit });
      return { data: attempts.map(deliveryView) };
    },
  );
};
