import { LaneChange, Occupancy } from '../../domain/occupancy';
import { Provider } from '../../domain/provider';
import { Schedule } from '../../domain/schedule';

/** What a provider's rules judge a new booking against: the provider, its schedule and what it already holds. */
export interface ProviderAgenda {
  provider: Provider;
  schedule: Schedule | null;
  /** Occupancies of bookings and holds (expired ones included) whose widened span meets the window, by span start. */
  occupied: Occupancy[];
}

export interface AgendaRepository {
  /**
   * The agendas of those of `providerIds` that exist, over `[from, to)`. Inside `UnitOfWork.run` the providers' rows
   * are locked first, in id order, until the transaction ends.
   */
  load(providerIds: readonly number[], from: number, to: number): Promise<Map<number, ProviderAgenda>>;
  /**
   * Releases the occupancies of expired holds in `expired`, then moves occupancies to other lanes, in steps that
   * never put two overlapping occupancies on one lane (only inside `UnitOfWork.run`, which locks their providers).
   */
  moveLanes(changes: readonly LaneChange[], expired: readonly number[]): Promise<void>;
}
