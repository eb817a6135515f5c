import { ServiceRepository } from '../../application/ports/service-repository';
import { Service, ServiceFields } from '../../domain/service';
import { InMemoryState } from './in-memory-state';

export class InMemoryServiceRepository implements ServiceRepository {
  constructor(private readonly state: InMemoryState) {}

  async create(fields: ServiceFields & { createdAt: number }): Promise<Service> {
    const { createdAt, ...rest } = structuredClone(fields);
    const service = { ...rest, id: ++this.state.sequences.service, createdAt, updatedAt: createdAt, deletedAt: null };
    this.state.services.set(service.id, service);
    return strip(service);
  }

  async getById(id: number, includeDeleted = false): Promise<Service | null> {
    const s = this.state.services.get(id);
    return s && (includeDeleted || s.deletedAt === null) ? strip(s) : null;
  }

  async listAfter(afterId: number, limit: number): Promise<Service[]> {
    return [...this.state.services.values()]
      .filter((s) => s.id > afterId && s.deletedAt === null)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map(strip);
  }

  async update(id: number, changes: Partial<ServiceFields>, updatedAt: number): Promise<Service | null> {
    const s = this.state.services.get(id);
    if (!s || s.deletedAt !== null) return null;
    const defined = Object.fromEntries(Object.entries(structuredClone(changes)).filter(([, v]) => v !== undefined));
    const next = { ...s, ...defined, updatedAt };
    this.state.services.set(id, next);
    return strip(next);
  }

  async delete(id: number, at: number): Promise<boolean> {
    const s = this.state.services.get(id);
    if (!s || s.deletedAt !== null) return false;
    this.state.services.set(id, { ...s, deletedAt: at });
    return true;
  }
}

function strip(s: Service & { deletedAt: number | null }): Service {
  const { deletedAt: _deletedAt, ...service } = structuredClone(s);
  return service;
}
