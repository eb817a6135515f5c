import { Service, ServiceFields } from '../../domain/service';

export interface ServiceRepository {
  /** Stores a new service. */
  create(service: ServiceFields & { createdAt: number }): Promise<Service>;
  /** The service, or null when there is none or it was deleted (unless `includeDeleted`: its bookings still follow it). */
  getById(id: number, includeDeleted?: boolean): Promise<Service | null>;
  /** Up to `limit` services not deleted with an id above `afterId`, in id order. */
  listAfter(afterId: number, limit: number): Promise<Service[]>;
  /** Writes the given fields of a service not deleted; null when there is none. */
  update(id: number, changes: Partial<ServiceFields>, updatedAt: number): Promise<Service | null>;
  /** Deletes the service (its bookings keep it as `service_id`); false when there is none or it was deleted. */
  delete(id: number, at: number): Promise<boolean>;
}
