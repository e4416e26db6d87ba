import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SuccessAudit } from '../audit/success-audit.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  AdmitResult,
  EgressAfter,
  EgressContext,
  ParticleEgressRepository,
  TenantCalls,
} from './particle-egress.repository.js';
import { MAX_COUNTED_FAILURES } from './particle-egress.settled.js';
import { BreakerOpenError, BudgetExhaustedError, ParticleError } from './particle.errors.js';
import { ParticleMetrics } from './particle.metrics.js';
import { EgressAnnouncements } from '../notifications/egress-announcements.js';

/**
 * Protects the egress IP that every tenant shares at Particle's token endpoint (particle-cloud.md §0.3,
 * §10): at most PARTICLE_TOKEN_BUDGET calls per 5 minutes, and never 10 consecutive failures, which
 * would block the IP for 30 minutes. State lives in one `particle_egress` row so all replicas behind
 * the IP see one budget and one breaker; each decision (admit, record an outcome) is one SQL statement
 * that locks, decides and writes the row in one round trip (particle-egress.statements.ts), committed
 * before the HTTP call starts.
 *
 * What counts as a failure: every token-endpoint answer that is not 2xx, plus timeouts and network
 * errors (Particle may have received and counted the request). Particle does not document which answers
 * its counter counts, so we count conservatively, including 403 mfa_required (an error status, even
 * though the password was right) and 429. A success resets the count, as "consecutive" implies
 * (whether Particle's counter really resets on success is UNCONFIRMED, §14), but only of the failures
 * recorded before the success was admitted: Particle counts in the order calls arrive, and a failure
 * answered after the success was sent may have arrived after it (design.md §9.4). So the broker's count
 * is never below Particle's, whatever the order slow and fast answers come back in.
 *
 * How the breaker opens and closes again:
 * - it opens when consecutive failures reach PARTICLE_MAX_CONSECUTIVE_FAILURES (N), refusing every call
 *   locally for a cooldown of 60 s; every further failure re-opens it with the cooldown doubled, up to
 *   30 minutes;
 * - once the cooldown has passed, exactly one call (the half-open probe, across all replicas) goes
 *   through; `retry_at` moves to the end of the probe's time limit so others keep refusing meanwhile;
 * - it closes only on a success that leaves fewer than N failures counted (the probe's, admitted after
 *   every failure, clears them all; that of a call admitted before it opened clears only those before
 *   it), or when ops call `reset()`. Time alone never closes it;
 * - hard rule: at 9 counted failures (one short of Particle's lockout) no probe goes out until 30
 *   minutes after the last failure, Particle's lockout length. That a 30-minute pause also resets
 *   Particle's counter is an assumption (UNCONFIRMED, §14): if it does not, that probe's failure would
 *   be the tenth. Calls in flight may all fail, so while closed the guard admits a call only when
 *   counted failures plus calls in flight stay below 9.
 * Failed logins are never retried automatically: the guard admits or refuses, it never repeats a call.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * Who a token call is for, as the tenant shares need it (design.md §9.1). No tenant's on-demand calls
 * take more than PARTICLE_TENANT_SHARE of the budget while another tenant asked in the window (made or
 * was refused a call); a tenant alone may take more. On-demand calls stop at RESERVE_FRACTION short of
 * the budget: the rest is kept for scheduled renewals of tokens that would otherwise expire, which are
 * never refused for their tenant's share (they go before on-demand mints) but count in it.
 */
export interface EgressCall {
  /** null: a call for no tenant (checking a shared OAuth client's new secret); counted globally only. */
  readonly tenantId: string | null;
  /** A scheduled renewal (the sweep): may use the reserve. */
  readonly scheduled: boolean;
  /** The request the call is made for, named in its log lines; undefined outside a request. */
  readonly requestId?: string | undefined;
}

export interface TokenEndpointState {
  budget: number;
  budgetUsed: number;
  /** While the budget is spent: when the oldest counted call leaves the window. */
  budgetRetryAt: Date | null;
  budgetRemaining: number;
  /** Every tenant that asked in the window, busiest first. */
  tenants: TenantCalls[];
  consecutiveFailures: number;
  breaker: BreakerState;
  retryAt: Date | null;
}

/**
 * Proof of admission; hand it back to `recordOutcome` so the right in-flight lease is released and a
 * success clears only the failures recorded before it was admitted (`seq`).
 */
export interface EgressPermit {
  readonly leaseUntil: Date;
  readonly seq: string;
  readonly probe: boolean;
}

/** Replicas sharing one egress IP share this row; a second IP would get its own id. */
export const DEFAULT_EGRESS_ID = 'default';

export const WINDOW_MS = 5 * 60_000;
/** Budget granularity: a call is remembered up to this much longer than the window, never shorter. */
const BUCKET_MS = 5_000;
/** A lease outlives the HTTP time limit by this much, so a slow database write does not expire it. */
const LEASE_GRACE_MS = 5_000;
/** Calls in flight end within the HTTP time limit, usually far sooner. */
const IN_FLIGHT_RETRY_SECONDS = 1;
/** design.md §9.1: at least this much of the budget is kept for scheduled renewals. */
const RESERVE_FRACTION = 0.2;

function secondsUntil(at: number, now: Date): number {
  return Math.max(1, Math.ceil((at - now.getTime()) / 1000));
}

function refusalOf(r: AdmitResult, call: EgressCall, now: Date): ParticleError {
  switch (r.refusal) {
    case 'cooldown':
      return new BreakerOpenError(secondsUntil(r.retryAt?.getTime() ?? 0, now));
    case 'probe_in_flight':
      return new BreakerOpenError(IN_FLIGHT_RETRY_SECONDS, 'waiting for a token request in flight');
    case 'lockout_margin':
      return new BreakerOpenError(
        IN_FLIGHT_RETRY_SECONDS,
        'too many token requests in flight to rule out a lockout',
      );
    case 'tenant':
      // Its oldest counted call leaving the window is the first moment it is below its share again.
      return new BudgetExhaustedError(
        secondsUntil((r.tenantOldest ?? 0) + BUCKET_MS + WINDOW_MS, now),
        'tenant',
        call.tenantId ?? undefined,
      );
    default:
      return new BudgetExhaustedError(secondsUntil((r.oldest ?? 0) + BUCKET_MS + WINDOW_MS, now));
  }
}

@Injectable()
export class TokenEndpointGuard {
  private readonly budget: number;
  private readonly onDemandLimit: number;
  private readonly tenantLimit: number;
  private readonly threshold: number;
  private readonly leaseMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repository: ParticleEgressRepository,
    private readonly clock: Clock,
    private readonly metrics: ParticleMetrics,
    private readonly announcements: EgressAnnouncements,
  ) {
    this.budget = config.particle.tokenBudget;
    // Below 5 calls a fifth of the budget is less than one call: no reserve rather than no on-demand call.
    this.onDemandLimit = this.budget - Math.floor(this.budget * RESERVE_FRACTION);
    this.tenantLimit = Math.max(1, Math.floor(this.budget * config.particle.tenantShare));
    this.threshold = Math.min(config.particle.maxConsecutiveFailures, MAX_COUNTED_FAILURES);
    this.leaseMs = config.particle.timeoutMs + LEASE_GRACE_MS;
  }

  /**
   * Admits one token call for `call` or throws `budget_exhausted` (global or the tenant's share) /
   * `breaker_open`; commits before returning. `succeeded`: the caller's previous call, which succeeded
   * and is recorded so by the same statement (see `EgressLane`); it is recorded even when this call is
   * refused.
   */
  async acquire(call: EgressCall, succeeded?: EgressPermit): Promise<EgressPermit> {
    const now = this.clock.now();
    const t = now.getTime();
    const leaseUntil = new Date(t + this.leaseMs);
    const result = await this.repository.admit(this.context(now), {
      budget: this.budget,
      onDemandLimit: this.onDemandLimit,
      tenantLimit: this.tenantLimit,
      tenantId: call.tenantId,
      scheduled: call.scheduled,
      leaseUntil,
      bucket: t - (t % BUCKET_MS),
      succeeded: succeeded ?? null,
    });
    this.observe(result);
    if (result.refusal) {
      const refusal = refusalOf(result, call, now);
      this.metrics.observeRequest('token', refusal.kind);
      if (refusal instanceof BudgetExhaustedError) {
        this.metrics.observeRefusal('token', refusal.scope);
        this.announcements.budgetExhausted(
          'token',
          refusal.scope,
          call.tenantId,
          refusal.retryAfterSeconds,
          now,
        );
      }
      throw refusal;
    }
    this.metrics.observeTenantCall(call.tenantId, result.tenantCalls, this.tenantLimit);
    return { leaseUntil, seq: result.seq, probe: result.probe };
  }

  /** Reports how the call admitted with `permit` ended. */
  async recordOutcome(success: boolean, permit: EgressPermit): Promise<void> {
    const now = this.clock.now();
    this.observe(await this.repository.recordOutcome(this.context(now), success, permit));
  }

  /**
   * For ops, once the cause is fixed (e.g. after checking Particle has not locked the IP out): closes the
   * breaker and zeroes the failure count. The budget and calls in flight stay: those calls were real.
   */
  async reset(audit?: SuccessAudit): Promise<void> {
    const also = audit && ((em: EntityManager) => audit.appendIn(em, undefined));
    this.observe(await this.repository.reset(this.context(this.clock.now()), also));
  }

  async state(): Promise<TokenEndpointState> {
    const now = this.clock.now();
    const s = await this.repository.read(this.context(now));
    let breaker: BreakerState = 'closed';
    if (s.openedAt) breaker = s.probing || !s.retryAt || now >= s.retryAt ? 'half_open' : 'open';
    const spent = s.calls >= this.budget && s.oldest !== null;
    return {
      budget: this.budget,
      budgetUsed: s.calls,
      budgetRetryAt: spent ? new Date((s.oldest ?? 0) + BUCKET_MS + WINDOW_MS) : null,
      budgetRemaining: Math.max(0, this.budget - s.calls),
      tenants: s.tenants,
      consecutiveFailures: s.consecutiveFailures,
      breaker,
      retryAt: s.openedAt ? s.retryAt : null,
    };
  }

  private context(now: Date): EgressContext {
    return {
      id: DEFAULT_EGRESS_ID,
      now,
      windowEndedAfter: now.getTime() - WINDOW_MS - BUCKET_MS,
      threshold: this.threshold,
    };
  }

  private observe(after: EgressAfter): void {
    this.metrics.observeEgress(Math.max(0, this.budget - after.calls), after.open);
  }
}
