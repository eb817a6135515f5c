import { Actor } from '../../domain/actor';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { assertWebhookSecret, validateEventTypes, Webhook, WEBHOOK_SECRET_GRACE_MS } from '../../domain/webhook';
import { requireAdmin } from '../access';
import { Clock } from '../ports/clock';
import { DeliveryAttempt, Outbox } from '../ports/outbox';
import { Secrets } from '../ports/secrets';
import { WebhookRepository } from '../ports/webhook-repository';
import { WebhookUrlPolicy } from '../ports/webhook-url-policy';

class WebhookNotFoundError extends NotFoundError {
  constructor() {
    super('Webhook not found');
  }
}

export interface CreateWebhookInput {
  actor: Actor;
  url: string;
  events: string[];
  /** Signs the requests; generated when absent. */
  secret?: string;
}

export class CreateWebhook {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly policy: WebhookUrlPolicy,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
  ) {}

  /** Registers a target for the events committed from now on; the result carries the secret, shown this once. */
  async execute(input: CreateWebhookInput): Promise<Webhook> {
    requireAdmin(input.actor);
    const events = validateEventTypes(input.events);
    const secret = input.secret === undefined ? this.secrets.token('whsec_') : assertWebhookSecret(input.secret);
    await this.policy.assertAllowed(input.url);
    return this.webhooks.create({ url: input.url, events, secret, createdAt: this.clock.now() });
  }
}

export class RotateWebhookSecret {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
  ) {}

  /**
   * Gives the webhook a new secret (the one given, or a generated one), shown this once. The secret it replaces
   * signs deliveries too, beside the new one, for WEBHOOK_SECRET_GRACE_MS.
   */
  async execute(input: { actor: Actor; id: number; secret?: string }): Promise<Webhook> {
    requireAdmin(input.actor);
    const secret = input.secret === undefined ? this.secrets.token('whsec_') : assertWebhookSecret(input.secret);
    const rotated = await this.webhooks.rotateSecret(input.id, secret, this.clock.now() + WEBHOOK_SECRET_GRACE_MS);
    if (!rotated) throw new WebhookNotFoundError();
    return rotated;
  }
}

export class ListWebhooks {
  constructor(private readonly webhooks: WebhookRepository) {}

  async execute(input: { actor: Actor }): Promise<Webhook[]> {
    requireAdmin(input.actor);
    return this.webhooks.list();
  }
}

export class GetWebhook {
  constructor(private readonly webhooks: WebhookRepository) {}

  async execute(input: { actor: Actor; id: number }): Promise<Webhook> {
    requireAdmin(input.actor);
    const webhook = await this.webhooks.getById(input.id);
    if (!webhook) throw new WebhookNotFoundError();
    return webhook;
  }
}

export class DeleteWebhook {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly clock: Clock,
  ) {}

  /** Stops deliveries to the webhook, dropping those not yet made. */
  async execute(input: { actor: Actor; id: number }): Promise<void> {
    requireAdmin(input.actor);
    if (!(await this.webhooks.delete(input.id, this.clock.now()))) throw new WebhookNotFoundError();
  }
}

export class ListWebhookDeliveries {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly outbox: Outbox,
  ) {}

  /** The webhook's delivery attempts, newest first. */
  async execute(input: { actor: Actor; id: number; limit?: number }): Promise<DeliveryAttempt[]> {
    requireAdmin(input.actor);
    const limit = input.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidationError('limit must be an integer from 1 to 500', { field: 'limit' });
    }
    if (!(await this.webhooks.getById(input.id))) throw new WebhookNotFoundError();
    return this.outbox.attemptsOf(input.id, limit);
  }
}
