import type { ResponseHeader } from './openapi';
import { Actor } from '../../domain/actor';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, resolved from the API key before any handler runs (null on public routes without a key). */
    actor: Actor;
  }
  interface FastifyContextConfig {
    /**
     * Body fields reported together, in this order, when missing, null or "" (for a route taking several forms of
     * body, a function of the body choosing its form's).
     */
    requiredFields?: string[] | ((body: Record<string, unknown>) => string[]);
    /** The route needs a JSON object body. */
    bodyRequired?: boolean;
    /** Body fields that may never be sent to this route. */
    forbiddenFields?: Record<string, string>;
    /** Served without an API key (documented in OpenAPI as public). */
    public?: boolean;
    /** A booking's customer may call it with `?token=<manage token>` instead of an API key (the route's `:id` is the booking). */
    customerToken?: boolean;
    /** The calendar feed: a provider's calendar token (`?token=`) opens it instead of an API key (documented as such). */
    calendarToken?: boolean;
    /** Headers the route sets on its answers, by status, for the OpenAPI document (rate-limit and auth headers are added for every route). */
    responseHeaders?: Partial<Record<number, ResponseHeader[]>>;
    /** Only admin keys may call it (403 for clients, checked before the body is read). */
    adminOnly?: boolean;
  }
}
