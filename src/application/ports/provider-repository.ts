import { Provider, ProviderFields } from '../../domain/provider';

export interface NewProvider extends ProviderFields {
  calendarToken: string;
  createdAt: number;
}

export interface ProviderChanges extends Partial<ProviderFields> {
  calendarToken?: string;
}

export interface ProviderRepository {
  /** Stores a new provider; throws EmailTakenError when its email is taken, ignoring case. */
  create(provider: NewProvider): Promise<Provider>;
  /** The provider, or null when there is none with that id. */
  getById(id: number): Promise<Provider | null>;
  /** The providers among `ids` that exist, by id (one query however many ids). */
  getMany(ids: readonly number[]): Promise<Map<number, Provider>>;
  /**
   * Locks the provider until the transaction ends and marks its rules changed (revision + 1), returning it; null
   * when absent. Every change to its schedule, zone or capacity goes through this first.
   */
  reviseRules(id: number): Promise<Provider | null>;
  /** Writes the given fields; throws EmailTakenError. Returns null when the provider is absent. */
  update(id: number, changes: ProviderChanges, updatedAt: number): Promise<Provider | null>;
  /** Up to `limit` providers with an id above `afterId`, in id order. */
  listAfter(afterId: number, limit: number): Promise<Provider[]>;
}
