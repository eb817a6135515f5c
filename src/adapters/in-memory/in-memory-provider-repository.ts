import { NewProvider, ProviderChanges, ProviderRepository } from '../../application/ports/provider-repository';
import { EmailTakenError } from '../../domain/errors';
import { Provider } from '../../domain/provider';
import { InMemoryState } from './in-memory-state';

export class InMemoryProviderRepository implements ProviderRepository {
  constructor(private readonly state: InMemoryState) {}

  private assertEmailFree(email: string, exceptId?: number): void {
    const key = email.toLowerCase();
    for (const p of this.state.providers.values()) {
      if (p.id !== exceptId && p.email.toLowerCase() === key) throw new EmailTakenError();
    }
  }

  async create(p: NewProvider): Promise<Provider> {
    this.assertEmailFree(p.email);
    const provider: Provider = {
      id: ++this.state.sequences.provider,
      name: p.name,
      email: p.email,
      timezone: p.timezone,
      defaultDurationMinutes: p.defaultDurationMinutes,
      capacity: p.capacity,
      calendarToken: p.calendarToken,
      revision: 0,
      createdAt: p.createdAt,
      updatedAt: p.createdAt,
    };
    this.state.providers.set(provider.id, provider);
    return { ...provider };
  }

  async getById(id: number): Promise<Provider | null> {
    const p = this.state.providers.get(id);
    return p ? { ...p } : null;
  }

  async getMany(ids: readonly number[]): Promise<Map<number, Provider>> {
    const found = new Map<number, Provider>();
    for (const id of ids) {
      const p = this.state.providers.get(id);
      if (p) found.set(id, { ...p });
    }
    return found;
  }

  async reviseRules(id: number): Promise<Provider | null> {
    const p = this.state.providers.get(id);
    if (!p) return null;
    const next = { ...p, revision: p.revision + 1 };
    this.state.providers.set(id, next);
    return { ...next };
  }

  async update(id: number, changes: ProviderChanges, updatedAt: number): Promise<Provider | null> {
    const p = this.state.providers.get(id);
    if (!p) return null;
    if (changes.email !== undefined) this.assertEmailFree(changes.email, id);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next = { ...p, ...defined, updatedAt };
    this.state.providers.set(id, next);
    return { ...next };
  }

  async listAfter(afterId: number, limit: number): Promise<Provider[]> {
    return [...this.state.providers.values()]
      .filter((p) => p.id > afterId)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map((p) => ({ ...p }));
  }
}
