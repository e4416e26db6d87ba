import { Clock } from '../../src/common/clock.js';

/** A clock tests move by hand, so expiry and cache bounds are tested without sleeping. */
export class TestClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
