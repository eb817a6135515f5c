import { AgendaRepository, ProviderAgenda } from '../../application/ports/agenda-repository';
import { StaleDecisionError } from '../../application/ports/unit-of-work';
import { LaneChange, Placement } from '../../domain/occupancy';
import { InMemoryState, StoredOccupancy } from './in-memory-state';

/**
 * The rule the databases enforce on occupancies: two occupying ones of a provider never share a lane at once, and no
 * lane is above the provider's capacity. A write that would break either is stale, as the database would refuse it.
 */
export function assertLaneFree(state: InMemoryState, o: Pick<StoredOccupancy, 'providerId' | 'lane' | 'blockStart' | 'blockEnd'>, selfId?: number): void {
  for (const other of state.occupancies.values()) {
    if (other.id !== selfId && other.status === 'occupying' && other.providerId === o.providerId && other.lane === o.lane && other.blockStart < o.blockEnd && o.blockStart < other.blockEnd) {
      throw new StaleDecisionError('a lane was taken');
    }
  }
  const capacity = state.providers.get(o.providerId)?.capacity ?? 1;
  if (o.lane > capacity) throw new StaleDecisionError(`lane ${o.lane} is above the capacity of provider ${o.providerId}`);
}

/** Releases expired holds' occupancies, then moves occupancies between lanes, checking the rule after each move. */
export function moveLanesIn(state: InMemoryState, changes: readonly LaneChange[], expired: readonly number[]): void {
  for (const id of expired) {
    const o = state.occupancies.get(id);
    if (o && o.status === 'occupying' && o.expiresAt !== null) state.occupancies.set(id, { ...o, status: 'released' });
  }
  for (const change of changes) {
    const o = state.occupancies.get(change.occupancyId)!;
    state.occupancies.set(o.id, { ...o, lane: -change.lane });
  }
  for (const change of changes) {
    const o = state.occupancies.get(change.occupancyId)!;
    const moved = { ...o, lane: change.lane };
    assertLaneFree(state, moved, o.id);
    state.occupancies.set(o.id, moved);
  }
}

/** Adds occupancies of a booking or a hold, each checked against the rule. */
export function occupy(state: InMemoryState, placements: readonly Placement[], owner: { bookingId: number | null; holdId: number | null; expiresAt: number | null }, startsAt: number): void {
  for (const p of placements) {
    const o: StoredOccupancy = { id: ++state.sequences.occupancy, ...p, startsAt, ...owner, status: 'occupying' };
    assertLaneFree(state, o);
    state.occupancies.set(o.id, o);
  }
}

/** The revisions a decision was judged against still hold. */
export function assertRevisions(state: InMemoryState, revisions: ReadonlyMap<number, number>): void {
  for (const [id, revision] of revisions) {
    if (state.providers.get(id)?.revision !== revision) throw new StaleDecisionError('a provider’s rules changed');
  }
}

export class InMemoryAgendaRepository implements AgendaRepository {
  constructor(private readonly state: InMemoryState) {}

  async load(providerIds: readonly number[], from: number, to: number): Promise<Map<number, ProviderAgenda>> {
    const found = new Map<number, ProviderAgenda>();
    for (const id of [...new Set(providerIds)].sort((a, b) => a - b)) {
      const provider = this.state.providers.get(id);
      if (!provider) continue;
      const occupied = [...this.state.occupancies.values()]
        .filter((o) => o.providerId === id && o.status === 'occupying' && o.blockStart < to && o.blockEnd > from)
        .sort((a, b) => a.blockStart - b.blockStart || a.id - b.id)
        .map(({ status: _status, ...o }) => ({ ...o }));
      found.set(id, { provider: { ...provider }, schedule: this.state.schedules.get(id) ?? null, occupied });
    }
    return found;
  }

  async moveLanes(changes: readonly LaneChange[], expired: readonly number[]): Promise<void> {
    moveLanesIn(this.state, changes, expired);
  }
}
