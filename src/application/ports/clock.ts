/** The current time, so rules can be judged at a fixed moment in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}
