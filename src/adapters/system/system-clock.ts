import { Clock } from '../../application/ports/clock';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that stands still until moved, for tests and simulations. */
export class FixedClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  set(instant: number | string): void {
    this.current = typeof instant === 'string' ? Date.parse(instant) : instant;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
