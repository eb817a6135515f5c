import { SeriesRepository } from '../../application/ports/series-repository';
import { Series } from '../../domain/series';
import { InMemoryState } from './in-memory-state';

export class InMemorySeriesRepository implements SeriesRepository {
  constructor(private readonly state: InMemoryState) {}

  async create(series: Omit<Series, 'id'>): Promise<Series> {
    const stored = { ...structuredClone(series), id: ++this.state.sequences.series };
    this.state.series.set(stored.id, stored);
    return structuredClone(stored);
  }

  async getById(id: number): Promise<Series | null> {
    const s = this.state.series.get(id);
    return s ? structuredClone(s) : null;
  }
}
