import { Series } from '../../domain/series';

export interface SeriesRepository {
  /** Stores a new series (its occurrences are bookings with its id). */
  create(series: Omit<Series, 'id'>): Promise<Series>;
  /** The series, or null. */
  getById(id: number): Promise<Series | null>;
}
