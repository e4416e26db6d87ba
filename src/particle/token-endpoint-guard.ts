import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EgressState, ParticleEgressRepository } from './particle-egress.repository.js';
import { BreakerOpenError, BudgetExhaustedError, ParticleError } from './particle.errors.js';
import { ParticleMetrics } from './particle.metrics.js';

/**
 * Protects the egress IP that every tenant shares at Particle's token endpoint (particle-cloud.md §0.3,
 * §10): at most PARTICLE_TOKEN_BUDGET calls per 5 minutes, and never 10 consecutive failures, which
 * would block the IP for 30 minutes. State lives in one `particle_egress` row so all replicas behind
 * the IP see one budget and one breaker; each decision is one short `SELECT ... FOR UPDATE` transaction,
 * committed before the HTTP call starts.
 *
 * What counts as a failure: every token-endpoint answer that is not 2xx, plus timeouts and network
 * errors (Particle may have received and counted the request). Particle does not document which answers
 * its counter counts, so we count conservatively, including 403 mfa_required (an error status, even
 * though the password was right) and 429. A success resets the count, as "consecutive" implies
 * (whether Particle's counter really resets on success is UNCONFIRMED, §14).
 *
 * How the breaker opens and closes again:
 * - it opens when consecutive failures reach PARTICLE_MAX_CONSECUTIVE_FAILURES (N), refusing every call
 *   locally for a cooldown of 60 s; every further failure re-opens it with the cooldown doubled, up to
 *   30 minutes;
 * - once the cooldown has passed, exactly one call (the half-open probe, across all replicas) goes
 *   through; `retry_at` moves to the end of the probe's time limit so others keep refusing meanwhile;
 * - it closes only on a success (the probe's, or that of a call admitted before it opened), or when ops
 *   call `reset()`. Time alone never closes it;
 * - hard rule: at 9 counted failures (one short of Particle's lockout) no probe goes out until 30
 *   minutes after the last failure, Particle's lockout length. That a 30-minute pause also resets
 *   Particle's counter is an assumption (UNCONFIRMED, §14): if it does not, that probe's failure would
 *   be the tenth. Calls in flight may all fail, so while closed the guard admits a call only when
 *   counted failures plus calls in flight stay below 9.
 * Failed logins are never retried automatically: the guard admits or refuses, it never repeats a call.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface TokenEndpointState {
  budgetRemaining: number;
  consecutiveFailures: number;
  breaker: BreakerState;
  retryAt: Date | null;
}

/** Proof of admission; hand it back to `recordOutcome` so the right in-flight lease is released. */
export interface EgressPermit {
  readonly leaseUntil: Date;
  readonly probe: boolean;
}

/** Replicas sharing one egress IP share this row; a second IP would get its own id. */
export const DEFAULT_EGRESS_ID = 'default';

const WINDOW_MS = 5 * 60_000;
/** Budget granularity: a call is remembered up to this much longer than the window, never shorter. */
const BUCKET_MS = 5_000;

function countCall(buckets: [number, number][], t: number): [number, number][] {
  const start = t - (t % BUCKET_MS);
  const last = buckets.at(-1);
  if (last && last[0] === start) return [...buckets.slice(0, -1), [start, last[1] + 1]];
  return [...buckets, [start, 1]];
}
/** Particle blocks the IP at its 10th consecutive failed token request (§0.3). */
const PARTICLE_LOCKOUT_FAILURES = 10;
const MAX_COUNTED_FAILURES = PARTICLE_LOCKOUT_FAILURES - 1;
const PARTICLE_LOCKOUT_MS = 30 * 60_000;
const BASE_COOLDOWN_MS = 60_000;
const MAX_COOLDOWN_MS = 30 * 60_000;
/** A lease outlives the HTTP time limit by this much, so a slow database write does not expire it. */
const LEASE_GRACE_MS = 5_000;
/** Calls in flight end within the HTTP time limit, usually far sooner. */
const IN_FLIGHT_RETRY_SECONDS = 1;

interface Policy {
  budget: number;
  threshold: number;
  leaseMs: number;
}

type Admission = { permit: EgressPermit } | { refusal: ParticleError };

const byTime = (a: Date, b: Date): number => a.getTime() - b.getTime();

function secondsUntil(at: number, now: Date): number {
  return Math.max(1, Math.ceil((at - now.getTime()) / 1000));
}

function cooldownMs(failures: number, threshold: number): number {
  if (failures >= MAX_COUNTED_FAILURES) return PARTICLE_LOCKOUT_MS;
  return Math.min(BASE_COOLDOWN_MS * 2 ** (failures - threshold), MAX_COOLDOWN_MS);
}

function failed(s: EgressState, now: Date, p: Policy): EgressState {
  const consecutiveFailures = s.consecutiveFailures + 1;
  if (consecutiveFailures < p.threshold) return { ...s, consecutiveFailures };
  const reopenAt = now.getTime() + cooldownMs(consecutiveFailures, p.threshold);
  return {
    ...s,
    consecutiveFailures,
    openedAt: now,
    retryAt: new Date(Math.max(reopenAt, s.retryAt?.getTime() ?? 0)),
  };
}

function succeeded(s: EgressState): EgressState {
  return { ...s, consecutiveFailures: 0, openedAt: null, retryAt: null };
}

/** Calls admitted in the window (a bucket counts until its end has left the window: never too few). */
function callsIn(s: EgressState): number {
  return s.callBuckets.reduce((sum, [, n]) => sum + n, 0);
}

/** Forgets buckets older than the window and counts leases that expired unreported as failures. */
function settle(s: EgressState, now: Date, p: Policy): EgressState {
  const t = now.getTime();
  const callBuckets = s.callBuckets
    .filter(([at]) => at + BUCKET_MS > t - WINDOW_MS)
    .sort(([a], [b]) => a - b);
  const live = s.inFlightUntil.filter((until) => until.getTime() > t).sort(byTime);
  let next: EgressState = { ...s, callBuckets, inFlightUntil: live };
  for (let i = live.length; i < s.inFlightUntil.length; i++) next = failed(next, now, p);
  return next;
}

function admit(raw: EgressState, now: Date, p: Policy): { next: EgressState; result: Admission } {
  const s = settle(raw, now, p);
  const refuse = (refusal: ParticleError) => ({ next: s, result: { refusal } });
  const t = now.getTime();
  if (s.openedAt) {
    if (s.retryAt && t < s.retryAt.getTime())
      return refuse(new BreakerOpenError(secondsUntil(s.retryAt.getTime(), now)));
    // A call admitted before the breaker opened is still out: its outcome closes or re-opens it.
    if (s.inFlightUntil.length > 0) {
      return refuse(new BreakerOpenError(IN_FLIGHT_RETRY_SECONDS, 'waiting for a token request in flight'));
    }
  } else if (s.consecutiveFailures + s.inFlightUntil.length >= MAX_COUNTED_FAILURES) {
    return refuse(
      new BreakerOpenError(
        IN_FLIGHT_RETRY_SECONDS,
        'too many token requests in flight to rule out a lockout',
      ),
    );
  }
  const oldest = s.callBuckets[0];
  if (oldest && callsIn(s) >= p.budget) {
    return refuse(new BudgetExhaustedError(secondsUntil(oldest[0] + BUCKET_MS + WINDOW_MS, now)));
  }
  const probe = s.openedAt !== null;
  const permit: EgressPermit = { leaseUntil: new Date(t + p.leaseMs), probe };
  return {
    next: {
      ...s,
      callBuckets: countCall(s.callBuckets, t),
      inFlightUntil: [...s.inFlightUntil, permit.leaseUntil],
      // The probe's time limit: every other caller, on any replica, keeps being refused until then.
      retryAt: probe ? permit.leaseUntil : s.retryAt,
    },
    result: { permit },
  };
}

function record(
  raw: EgressState,
  now: Date,
  p: Policy,
  success: boolean,
  permit?: EgressPermit,
): EgressState {
  const s = settle(raw, now, p);
  const leases = [...s.inFlightUntil];
  const index = permit ? leases.findIndex((until) => until.getTime() === permit.leaseUntil.getTime()) : 0;
  if (index >= 0) leases.splice(index, 1);
  const next = { ...s, inFlightUntil: leases };
  if (success) return succeeded(next);
  // The lease already expired and settle() counted this call as failed: do not count it twice.
  if (permit && index < 0) return next;
  return failed(next, now, p);
}

@Injectable()
export class TokenEndpointGuard {
  private readonly policy: Policy;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repository: ParticleEgressRepository,
    private readonly clock: Clock,
    private readonly metrics: ParticleMetrics,
  ) {
    this.policy = {
      budget: config.particle.tokenBudget,
      threshold: Math.min(config.particle.maxConsecutiveFailures, MAX_COUNTED_FAILURES),
      leaseMs: config.particle.timeoutMs + LEASE_GRACE_MS,
    };
  }

  /** Admits one token call or throws `budget_exhausted` / `breaker_open`; commits before returning. */
  async acquire(): Promise<EgressPermit> {
    const now = this.clock.now();
    const { next, result } = await this.repository.updateLocked(DEFAULT_EGRESS_ID, now, (s) =>
      admit(s, now, this.policy),
    );
    this.observe(next);
    if ('refusal' in result) {
      this.metrics.observeRequest('token', result.refusal.kind);
      throw result.refusal;
    }
    return result.permit;
  }

  /** Reports how an admitted call ended; `permit` is optional for callers that admitted one call only. */
  async recordOutcome(success: boolean, permit?: EgressPermit): Promise<void> {
    const now = this.clock.now();
    const { next } = await this.repository.updateLocked(DEFAULT_EGRESS_ID, now, (s) => ({
      next: record(s, now, this.policy, success, permit),
      result: undefined,
    }));
    this.observe(next);
  }

  /**
   * For ops, once the cause is fixed (e.g. after checking Particle has not locked the IP out): closes the
   * breaker and zeroes the failure count. The budget and calls in flight stay: those calls were real.
   */
  async reset(): Promise<void> {
    const now = this.clock.now();
    const { next } = await this.repository.updateLocked(DEFAULT_EGRESS_ID, now, (s) => ({
      next: succeeded(settle(s, now, this.policy)),
      result: undefined,
    }));
    this.observe(next);
  }

  async state(): Promise<TokenEndpointState> {
    const now = this.clock.now();
    const s = settle(await this.repository.find(DEFAULT_EGRESS_ID), now, this.policy);
    const retryAt = s.retryAt;
    // The probe's lease is the one retry_at was set to when it was admitted.
    const probing =
      retryAt !== null && s.inFlightUntil.some((until) => until.getTime() === retryAt.getTime());
    let breaker: BreakerState = 'closed';
    if (s.openedAt) breaker = probing || !retryAt || now >= retryAt ? 'half_open' : 'open';
    return {
      budgetRemaining: Math.max(0, this.policy.budget - callsIn(s)),
      consecutiveFailures: s.consecutiveFailures,
      breaker,
      retryAt: s.openedAt ? retryAt : null,
    };
  }

  private observe(s: EgressState): void {
    this.metrics.observeEgress(Math.max(0, this.policy.budget - callsIn(s)), s.openedAt !== null);
  }
}
