import type { Clock } from '../common/clock.js';

export interface WindowHit {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

interface Window {
  start: number;
  count: number;
  /** Hits of the window before `start`, weighted down as the current window advances. */
  previous: number;
}

/** Windows kept before idle ones are dropped; keys are API key ids, so this is only a backstop. */
const MAX_TRACKED = 10_000;

/**
 * Sliding-window counter (two fixed windows, the older one weighted by how much of it still overlaps):
 * O(1) time and memory per key. The package's default storage keeps one timestamp per hit and filters
 * them on every request, which at thousands of requests a minute on one key would cost the token hot
 * path far more than the check is worth. Counts are per replica. Synchronous: a hit is a few arithmetic
 * operations, not worth a promise per request.
 */
export class SlidingWindowStorage {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock) {}

  increment(key: string, ttl: number, limit: number): WindowHit {
    const now = this.clock.now().getTime();
    const w = this.current(key, ttl, now);
    const overlap = 1 - (now - w.start) / ttl;
    const estimated = w.previous * overlap + w.count;
    const isBlocked = estimated >= limit;
    if (!isBlocked) w.count++;
    const timeToExpire = Math.max(1, Math.ceil((w.start + ttl - now) / 1000));
    return {
      totalHits: Math.ceil(estimated) + (isBlocked ? 0 : 1),
      timeToExpire,
      isBlocked,
      // At the sustained rate the limit allows, a slot frees every ttl/limit ms; at least a second.
      timeToBlockExpire: isBlocked ? Math.max(1, Math.ceil(ttl / limit / 1000)) : 0,
    };
  }

  private current(key: string, ttl: number, now: number): Window {
    let w = this.windows.get(key);
    if (!w) {
      if (this.windows.size >= MAX_TRACKED) this.dropIdle(ttl, now);
      w = { start: now - (now % ttl), count: 0, previous: 0 };
      this.windows.set(key, w);
    } else if (now >= w.start + ttl) {
      const elapsedWindows = Math.floor((now - w.start) / ttl);
      w.previous = elapsedWindows === 1 ? w.count : 0;
      w.count = 0;
      w.start += elapsedWindows * ttl;
    }
    return w;
  }

  private dropIdle(ttl: number, now: number): void {
    for (const [key, w] of this.windows) if (now >= w.start + 2 * ttl) this.windows.delete(key);
  }
}
