import { Hold } from '../../domain/hold';
import { Placement } from '../../domain/occupancy';
import { WriteBasis } from './booking-repository';

export type NewHold = Omit<Hold, 'id'>;

export interface HoldRepository {
  /** Stores a live hold with its occupancy of each provider; returns its id. Throws `StaleDecisionError` like a booking. */
  create(hold: NewHold, placements: readonly Placement[], basis: WriteBasis): Promise<number>;
  /** The hold, whatever its status, or null. */
  getById(id: number): Promise<Hold | null>;
  /** Ends a live hold as released and frees its span; false when it was not live (already ended). */
  release(id: number): Promise<boolean>;
  /** How many holds are live, expired (live past `expires_at`, never converted or released), converted and released at `now`. */
  countByState(now: number): Promise<HoldCounts>;
}

export interface HoldCounts {
  live: number;
  expired: number;
  converted: number;
  released: number;
}
