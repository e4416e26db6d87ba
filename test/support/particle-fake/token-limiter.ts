import { oauthError } from './replies.js';
import type { Reply } from './types.js';

export interface LimiterSettings {
  tokenBudget: number;
  budgetWindowMs: number;
  lockoutFailures: number;
  lockoutMs: number;
}

/** How one token call moves the consecutive-failure counter. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/**
 * §0.3 / §10: per source IP, 100 token calls per 5 minutes, and 10 consecutive failures block the IP
 * for 30 minutes. The fake treats every caller as one IP, which is exactly the broker's situation.
 */
export class TokenEndpointLimiter {
  private admitted: number[] = [];
  private lockedUntil: number | undefined;
  private consecutive = 0;
  private maxSeen = 0;

  constructor(
    private readonly settings: LimiterSettings,
    private readonly now: () => number,
  ) {}

  get consecutiveFailures(): number {
    this.settle();
    return this.consecutive;
  }

  get maxConsecutiveFailuresSeen(): number {
    return this.maxSeen;
  }

  get lockedOut(): boolean {
    this.settle();
    return this.lockedUntil !== undefined;
  }

  /** Returns the refusal when the call must not reach the token endpoint. */
  admit(): { reply: Reply; outcome: CallOutcome } | undefined {
    // The body of the load balancer's 429 is UNCONFIRMED (§2.5); the framework's own 429 is this one.
    const refusal = oauthError(429, 'rate_limit_exceeded', 'Rate limit exceeded.');
    // Answers during the block do not lengthen it: the block is a fixed 30 minutes (§0.3).
    if (this.lockedOut) return { reply: refusal, outcome: 'neutral' };
    const now = this.now();
    this.admitted = this.admitted.filter((at) => now - at < this.settings.budgetWindowMs);
    // Refused calls are not added to the window, so a caller that slows down recovers.
    if (this.admitted.length >= this.settings.tokenBudget) return { reply: refusal, outcome: 'failure' };
    this.admitted.push(now);
    return undefined;
  }

  /** Answers a token call through the limiter; injected errors count as failed token calls, like real ones. */
  answer(injected: Reply | undefined, handle: () => Reply): Reply {
    if (injected) {
      this.record(outcomeOf(injected));
      return injected;
    }
    const refusal = this.admit();
    if (refusal) {
      this.record(refusal.outcome);
      return refusal.reply;
    }
    const reply = handle();
    this.record(outcomeOf(reply));
    return reply;
  }

  record(outcome: CallOutcome): void {
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      // §14: whether a success resets the counter is UNCONFIRMED; "consecutive" implies it does.
      this.consecutive = 0;
      return;
    }
    this.consecutive += 1;
    this.maxSeen = Math.max(this.maxSeen, this.consecutive);
    if (this.consecutive >= this.settings.lockoutFailures && this.lockedUntil === undefined) {
      this.lockedUntil = this.now() + this.settings.lockoutMs;
    }
  }

  reset(): void {
    this.admitted = [];
    this.lockedUntil = undefined;
    this.consecutive = 0;
    this.maxSeen = 0;
  }

  /** A served block starts the count afresh. */
  private settle(): void {
    if (this.lockedUntil !== undefined && this.now() >= this.lockedUntil) {
      this.lockedUntil = undefined;
      this.consecutive = 0;
    }
  }
}

/** The MFA challenge is a step, not a failure: the password was right. */
export function outcomeOf(reply: Reply): CallOutcome {
  if (reply.status < 400) return 'success';
  return reply.error === 'mfa_required' ? 'neutral' : 'failure';
}
