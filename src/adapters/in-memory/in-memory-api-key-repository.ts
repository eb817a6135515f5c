import { ApiKeyRepository, NewApiKey } from '../../application/ports/api-key-repository';
import { ApiKey, isKeyActive } from '../../domain/api-key';
import { InMemoryState } from './in-memory-state';

export class InMemoryApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly state: InMemoryState) {}

  async create(key: NewApiKey): Promise<ApiKey> {
    const stored: ApiKey = {
      id: ++this.state.sequences.apiKey,
      name: key.name,
      role: key.role,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    };
    this.state.apiKeys.set(stored.id, { key: stored, hash: key.keyHash });
    return { ...stored };
  }

  async findByHash(keyHash: string): Promise<ApiKey | null> {
    for (const { key, hash } of this.state.apiKeys.values()) if (hash === keyHash) return { ...key };
    return null;
  }

  async getById(id: number): Promise<ApiKey | null> {
    const entry = this.state.apiKeys.get(id);
    return entry ? { ...entry.key } : null;
  }

  async list(): Promise<ApiKey[]> {
    return [...this.state.apiKeys.values()].map((e) => ({ ...e.key })).sort((a, b) => a.id - b.id);
  }

  async countActiveAdminsForUpdate(now: number): Promise<number> {
    return [...this.state.apiKeys.values()].filter((e) => e.key.role === 'admin' && isKeyActive(e.key, now)).length;
  }

  async revoke(id: number, at: number): Promise<void> {
    const entry = this.state.apiKeys.get(id);
    if (entry && entry.key.revokedAt === null) this.state.apiKeys.set(id, { ...entry, key: { ...entry.key, revokedAt: at } });
  }

  async touch(id: number, at: number): Promise<void> {
    const entry = this.state.apiKeys.get(id);
    if (entry && (entry.key.lastUsedAt === null || entry.key.lastUsedAt <= at - 60_000)) {
      this.state.apiKeys.set(id, { ...entry, key: { ...entry.key, lastUsedAt: at } });
    }
  }

  async countForUpdate(): Promise<number> {
    return this.state.apiKeys.size;
  }
}
