import { WriteBasis } from '../../application/ports/booking-repository';
import { HoldCounts, HoldRepository, NewHold } from '../../application/ports/hold-repository';
import { Hold } from '../../domain/hold';
import { Placement } from '../../domain/occupancy';
import { assertRevisions, moveLanesIn, occupy } from './in-memory-agenda-repository';
import { InMemoryState } from './in-memory-state';

export class InMemoryHoldRepository implements HoldRepository {
  constructor(private readonly state: InMemoryState) {}

  async create(hold: NewHold, placements: readonly Placement[], basis: WriteBasis): Promise<number> {
    assertRevisions(this.state, basis.revisions);
    moveLanesIn(this.state, basis.laneChanges ?? [], basis.expired);
    const stored: Hold = { ...structuredClone(hold), id: ++this.state.sequences.hold };
    occupy(this.state, placements, { bookingId: null, holdId: stored.id, expiresAt: stored.expiresAt }, stored.startsAt);
    this.state.holds.set(stored.id, stored);
    return stored.id;
  }

  async getById(id: number): Promise<Hold | null> {
    const h = this.state.holds.get(id);
    return h ? structuredClone(h) : null;
  }

  async release(id: number): Promise<boolean> {
    const h = this.state.holds.get(id);
    if (!h || h.status !== 'live') return false;
    this.state.holds.set(id, { ...h, status: 'released' });
    for (const o of this.state.occupancies.values()) {
      if (o.holdId === id) this.state.occupancies.set(o.id, { ...o, status: 'released' });
    }
    return true;
  }

  async countByState(now: number): Promise<HoldCounts> {
    const counts: HoldCounts = { live: 0, expired: 0, converted: 0, released: 0 };
    for (const hold of this.state.holds.values()) {
      if (hold.status !== 'live') counts[hold.status] += 1;
      else if (hold.expiresAt <= now) counts.expired += 1;
      else counts.live += 1;
    }
    return counts;
  }
}
