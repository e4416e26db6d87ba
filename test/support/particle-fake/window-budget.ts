import { oauthError } from './replies.js';
import type { Reply } from './types.js';

/** A sliding window of admitted calls, as the load balancer counts them per source IP (§10). */
export class WindowBudget {
  private admitted: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Refused calls are not added to the window, so a caller that slows down recovers. */
  admit(): boolean {
    // An unlimited budget keeps no timestamps: benches send millions of calls to one fake.
    if (this.limit === Infinity) return true;
    const now = this.now();
    this.admitted = this.admitted.filter((at) => now - at < this.windowMs);
    if (this.admitted.length >= this.limit) return false;
    this.admitted.push(now);
    return true;
  }

  reset(): void {
    this.admitted = [];
  }
}

/** §10: the load balancer's 429 body is UNCONFIRMED; the token endpoint's own 429 is the model. */
export function rateLimited(): Reply {
  return oauthError(429, 'rate_limit_exceeded', 'Rate limit exceeded.');
}
