import { describe, expect, it } from 'vitest';
import { Clock } from '../common/clock.js';
import { SlidingWindowStorage } from './rate-limit.storage.js';

class ManualClock extends Clock {
  constructor(public ms: number) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

const TTL = 60_000;

function admitted(storage: SlidingWindowStorage, key: string, attempts: number): number {
  let n = 0;
  for (let i = 0; i < attempts; i++) if (!storage.increment(key, TTL, 10).isBlocked) n++;
  return n;
}

describe('SlidingWindowStorage', () => {
  it('admits the limit per window and per key, then blocks with a retry time', () => {
    const clock = new ManualClock(10 * TTL);
    const storage = new SlidingWindowStorage(clock);
    expect(admitted(storage, 'a', 15)).toBe(10);
    expect(admitted(storage, 'b', 3)).toBe(3);
    const blocked = storage.increment('a', TTL, 10);
    expect(blocked).toMatchObject({ isBlocked: true });
    expect(blocked.timeToBlockExpire).toBeGreaterThanOrEqual(1);
  });

  it('weights the previous window by its overlap, so a burst at a boundary is not doubled', () => {
    const clock = new ManualClock(10 * TTL + TTL - 1);
    const storage = new SlidingWindowStorage(clock);
    expect(admitted(storage, 'a', 10)).toBe(10);
    clock.ms += 1; // the next window starts: the previous one still weighs (almost) fully
    expect(admitted(storage, 'a', 10)).toBe(0);
    clock.ms += TTL / 2; // half of it has slid out
    expect(admitted(storage, 'a', 10)).toBe(5);
    clock.ms += 2 * TTL; // long idle: a fresh start
    expect(admitted(storage, 'a', 20)).toBe(10);
  });
});
