import { Actor, Role } from '../../domain/actor';
import { ApiKey, isKeyActive, validateNewKey } from '../../domain/api-key';
import { LastAdminKeyError, NotFoundError, UnauthenticatedError, ValidationError } from '../../domain/errors';
import { requireAdmin } from '../access';
import { Clock } from '../ports/clock';
import { KeyRevocations } from '../ports/key-revocations';
import { Secrets } from '../ports/secrets';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';

export const KEY_PREFIX = 'bk_';

export interface CreateApiKeyInput {
  actor: Actor;
  name: string;
  role: Role;
  /** Epoch ms; must be in the future. */
  expiresAt?: number | null;
}

/** The new key's record and its secret, which is shown this once and never stored. */
export interface IssuedApiKey {
  apiKey: ApiKey;
  secret: string;
}

export class CreateApiKey {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
  ) {}

  async execute(input: CreateApiKeyInput): Promise<IssuedApiKey> {
    requireAdmin(input.actor);
    const now = this.clock.now();
    validateNewKey(input, now);
    const secret = this.secrets.token(KEY_PREFIX);
    const apiKey = await this.store.apiKeys.create({
      name: input.name.trim(),
      role: input.role,
      keyHash: this.secrets.hash(secret),
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
    });
    return { apiKey, secret };
  }
}

export class ListApiKeys {
  constructor(private readonly store: Repositories) {}

  async execute(input: { actor: Actor }): Promise<ApiKey[]> {
    requireAdmin(input.actor);
    return this.store.apiKeys.list();
  }
}

export class RevokeApiKey {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly revocations?: KeyRevocations,
  ) {}

  /** Revokes a key (again is a no-op); the last active admin key cannot be revoked. */
  async execute(input: { actor: Actor; id: number }): Promise<void> {
    requireAdmin(input.actor);
    await this.uow.run(async (repos) => {
      const now = this.clock.now();
      const key = await repos.apiKeys.getById(input.id);
      if (!key) throw new NotFoundError('API key not found');
      if (key.revokedAt !== null) return;
      if (key.role === 'admin' && isKeyActive(key, now) && (await repos.apiKeys.countActiveAdminsForUpdate(now)) <= 1) {
        throw new LastAdminKeyError();
      }
      await repos.apiKeys.revoke(key.id, now);
    });
    // Committed: keys this process has kept are read again (other processes learn it from the store's signal).
    this.revocations?.revokedHere();
  }
}

const TOUCH_EVERY_MS = 60_000;
/** How long a key read from the store is trusted without a revocation signal (bounds rows changed by hand). */
export const KEY_CACHE_TTL_MS = 10_000;
const KEY_CACHE_LIMIT = 10_000;

interface KeyReading {
  key: ApiKey;
  generation: number | null;
  readAt: number;
  /** When this process last recorded the key's use. */
  touchedAt: number | null;
}

export class Authenticate {
  /** Keys by hash, kept while no revocation has happened anywhere since they were read (and for at most the TTL). */
  private readonly cache = new Map<string, KeyReading>();

  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
    private readonly revocations?: KeyRevocations,
  ) {}

  /** The caller behind a presented secret; missing, unknown, expired and revoked keys are all UNAUTHENTICATED. */
  async execute(input: { secret: string | undefined }): Promise<Actor> {
    const secret = input.secret;
    if (!secret || secret.length > 512) throw new UnauthenticatedError();
    const hash = this.secrets.hash(secret);
    const now = this.clock.now();
    const reading = await this.lookUp(hash, now);
    if (!reading || !isKeyActive(reading.key, now)) throw new UnauthenticatedError();
    const key = reading.key;
    const lastUsedAt = reading.touchedAt ?? key.lastUsedAt;
    if (lastUsedAt === null || now - lastUsedAt >= TOUCH_EVERY_MS) {
      // Recorded at most once a minute per key, and off the request's path.
      reading.touchedAt = now;
      void this.store.apiKeys.touch(key.id, now).catch(() => undefined);
    }
    return { keyId: key.id, role: key.role };
  }

  private async lookUp(hash: string, now: number): Promise<KeyReading | null> {
    // Read before the store: a revocation committed after this point changes the generation, so what the store
    // answers below is never kept past it.
    const generation = this.revocations?.generation() ?? null;
    const cached = generation === null ? undefined : this.cache.get(hash);
    if (cached && cached.generation === generation && now - cached.readAt < KEY_CACHE_TTL_MS) return cached;
    const key = await this.store.apiKeys.findByHash(hash);
    if (!key) {
      this.cache.delete(hash);
      return null;
    }
    const reading: KeyReading = { key, generation, readAt: now, touchedAt: cached?.touchedAt ?? null };
    if (generation !== null) {
      if (this.cache.size >= KEY_CACHE_LIMIT) this.cache.clear();
      this.cache.set(hash, reading);
    }
    return reading;
  }
}

export class EnsureBootstrapKey {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
  ) {}

  /**
   * When the store has no key at all, makes the first admin key: `bootstrapSecret` when given, else a generated
   * one. Returns the generated secret (to be shown once), or null when nothing was generated.
   */
  async execute(input: { bootstrapSecret?: string }): Promise<string | null> {
    if (input.bootstrapSecret !== undefined && input.bootstrapSecret.length < 16) {
      throw new ValidationError('BOOTSTRAP_ADMIN_KEY must be at least 16 characters');
    }
    return this.uow.run(async (repos) => {
      if ((await repos.apiKeys.countForUpdate()) > 0) return null;
      const secret = input.bootstrapSecret ?? this.secrets.token(KEY_PREFIX);
      await repos.apiKeys.create({
        name: input.bootstrapSecret ? 'bootstrap admin' : 'first admin',
        role: 'admin',
        keyHash: this.secrets.hash(secret),
        createdAt: this.clock.now(),
        expiresAt: null,
      });
      return input.bootstrapSecret ? null : secret;
    });
  }
}
