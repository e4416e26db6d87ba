import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import { knownProblem } from '../common/known-problem.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { BreakerOpenError, isParticleError } from '../particle/particle.errors.js';
import { CredentialChangesListener } from './credential-changes.listener.js';
import { CredentialEntity } from './credential.entity.js';
import { CredentialMetrics } from './credential.metrics.js';
import { UsableOAuthClient } from '../tenants/oauth-clients.service.js';
import { CredentialRenewer, NotRenewableError, oauthClientInvalid } from './credential-renewer.service.js';
import type { Lease } from './credential-writes.js';
import { CredentialsRepository } from './credentials.repository.js';
import { RenewalWaits } from './renewal-waits.js';

/** How long a caller waits for a renewal (its own, or another's) before answering 503. */
const CALLER_WAIT_MS = 15_000;
/** A call to Particle starts only while its lease has this much beyond PARTICLE_TIMEOUT_MS left (§9.6). */
const LEASE_MARGIN_MS = 10_000;
/** A waiting caller looks at the row at least this often, notifications or not. */
const WAIT_POLL_MS = 500;

/** What a caller gets: the token just minted, or the credential as another renewal left it. */
export type CallerRenewal =
  | { renewed: true; credential: CredentialEntity; accessToken: string; expiresAt: Date | null }
  | { renewed: false; credential: CredentialEntity };

/**
 * The one renewal protocol (design.md §5 rules 2 and 9, §9 rules 5 and 6), for callers and the sweep
 * alike: a credential is renewed only under its lease, taken and given back by short statements, so no
 * connection is held across the call to Particle and nobody waiting holds one either. A call starts only
 * while the lease outlives it (PARTICLE_TIMEOUT_MS plus a margin), extending the lease first if needed,
 * so no second replica or caller can use the same refresh token while the first call may still succeed.
 */
@Injectable()
export class CredentialRenewalService implements OnApplicationShutdown {
  /** This replica's leases (the sweep's and its callers'); unique per process start. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly leaseMs: number;
  private readonly waits: RenewalWaits;

  constructor(
    private readonly repository: CredentialsRepository,
    private readonly renewer: CredentialRenewer,
    private readonly clock: Clock,
    private readonly metrics: CredentialMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    changes: CredentialChangesListener,
  ) {
    this.leaseMs = config.particle.timeoutMs * 3 + 30_000;
    this.waits = new RenewalWaits();
    changes.subscribe(this.waits);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.releaseHeldLeases().catch(() => 0);
  }

  /** Everything this replica holds goes back at once (at shutdown), not when the leases run out. */
  releaseHeldLeases(): Promise<number> {
    return this.repository.releaseAllOwnedBy(this.owner);
  }

  /**
   * True when the lease lasts through a call that starts now, after extending it when it would not.
   * False: the lease is lost (this replica stalled past it, or someone wrote the credential since).
   */
  async leaseOutlivesCall(c: CredentialEntity, lease: Lease): Promise<boolean> {
    const now = this.clock.now().getTime();
    const needed = this.config.particle.timeoutMs + LEASE_MARGIN_MS;
    if (c.leaseUntil && c.leaseUntil.getTime() - now >= needed) return true;
    if (c.leaseUntil && c.leaseUntil.getTime() <= now) return false; // others may own it already
    const until = new Date(now + this.leaseMs);
    if (!(await this.repository.extendLease(c, lease, until))) return false;
    c.leaseUntil = until;
    return true;
  }

  /**
   * For a caller whose credential `c` has no token that `suffices`: renews it under its lease, or waits
   * (holding no connection) for whoever holds the lease and takes what they stored. Throws ApiErrors and
   * ParticleErrors for the problem filter. `requestId`: the caller's request, for the log lines.
   * `overrideBackoff`: ops forcing a renewal (POST .../renewals) try now, inside a failing credential's
   * backoff; one person's deliberate retry, still under the budget and the breaker like every call.
   */
  async renewForCaller(
    c: CredentialEntity,
    suffices: (c: CredentialEntity) => boolean,
    requestId?: string,
    { overrideBackoff = false }: { overrideBackoff?: boolean } = {},
  ): Promise<CallerRenewal> {
    const started = process.hrtime.bigint();
    const deadline = this.clock.now().getTime() + CALLER_WAIT_MS;
    try {
      // The client first: a refused client is for ops to fix, whatever the credential's backoff says.
      const client = await this.renewer.clientForCaller(c);
      if (!overrideBackoff) this.refuseWhileBackingOff(c);
      for (;;) {
        const now = this.clock.now();
        const leased = await this.repository.acquireLease(
          c.id,
          this.owner,
          now,
          new Date(now.getTime() + this.leaseMs),
        );
        if (leased)
          return await this.renewLeased(leased, suffices, deadline, client, requestId, overrideBackoff);
        const current = await this.repository.findById(c.id);
        if (!current || current.status === 'revoked') throw ApiError.notFound(`Credential ${c.id}`);
        if (suffices(current) || current.status === 'needs_reauth')
          return { renewed: false, credential: current };
        // The lease holder failed meanwhile: its backoff holds for every waiter too (a forced renewal
        // overrides only the backoff it found, not a failure that answered it while it waited).
        if (!overrideBackoff || current.failureCount > c.failureCount) this.refuseWhileBackingOff(current);
        const left = deadline - this.clock.now().getTime();
        if (left <= 0) {
          throw new ApiError('upstream_unavailable', 'Another replica is still renewing this credential', {
            retryAfterSeconds: 1,
          });
        }
        await this.waits.next(current.tenantId, Math.min(left, WAIT_POLL_MS));
      }
    } finally {
      this.metrics.renewalSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * A `failing` credential is not renewed by a caller before its `next_attempt_at` (design.md §9.3):
   * whatever its callers do, a broken tenant costs Particle at most one failed call per backoff step,
   * and the shared breaker never counts one tenant's retries.
   */
  private refuseWhileBackingOff(c: CredentialEntity): void {
    if (c.status !== 'failing' || !c.nextAttemptAt) return;
    const waitMs = c.nextAttemptAt.getTime() - this.clock.now().getTime();
    if (waitMs <= 0) return;
    throw new ApiError(
      'upstream_unavailable',
      `Credential ${c.id} is backing off after a failed renewal (${c.lastError ?? 'unknown error'})`,
      { retryAfterSeconds: Math.ceil(waitMs / 1000), extras: { credential_id: c.id } },
    );
  }

  private async renewLeased(
    c: CredentialEntity,
    suffices: (c: CredentialEntity) => boolean,
    deadline: number,
    client: UsableOAuthClient | undefined,
    requestId: string | undefined,
    overrideBackoff: boolean,
  ): Promise<CallerRenewal> {
    const lease: Lease = { owner: this.owner, version: c.version };
    if (suffices(c) || c.status === 'needs_reauth') {
      // Someone renewed (or gave up on) it between the caller's read and this lease.
      await this.repository.releaseLease(c, lease, undefined, true);
      return { renewed: false, credential: c };
    }
    try {
      // Read under the lease: another caller's failure may have started a backoff since the first look.
      if (!overrideBackoff) this.refuseWhileBackingOff(c);
    } catch (err) {
      await this.repository.releaseLease(c, lease, undefined, true);
      throw err;
    }
    try {
      const { tokens, sealed } = await this.callParticle(c, lease, deadline, client, requestId);
      if (!(await this.repository.saveRenewedIfLeased(c, lease, sealed))) {
        // Deleted meanwhile (the minted token is revoked), or taken over after a stall.
        if (!(await this.repository.findById(c.id))) {
          await this.renewer.discard(tokens.accessToken, requestId);
          throw ApiError.notFound(`Credential ${c.id}`);
        }
        throw new ApiError('upstream_unavailable', 'The renewal lost its lease; try again', {
          retryAfterSeconds: 1,
        });
      }
      this.metrics.renewals.inc({ outcome: 'ok' });
      return { renewed: true, credential: c, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
    } catch (err) {
      this.metrics.renewals.inc({ outcome: isParticleError(err) ? err.kind : 'error' });
      const failure = await this.renewer.failureFor(c, err);
      if (failure) await this.repository.saveFailureIfLeased(c, lease, failure);
      else await this.repository.releaseLease(c, lease, undefined, true);
      if (err instanceof NotRenewableError) {
        throw new ApiError('reauth_required', `Credential ${c.id}: ${err.reason}`, {
          extras: { credential_id: c.id, reason: err.reason },
        });
      }
      // failureFor has just marked the client: this caller learns what every later one will.
      if (isParticleError(err) && err.kind === 'invalid_client') throw oauthClientInvalid(c);
      const problem = knownProblem(err);
      if (failure?.nextAttemptAt && problem?.code === 'upstream_unavailable') {
        // The backoff step just written is when anyone may try again, so that is the Retry-After.
        const waitMs = failure.nextAttemptAt.getTime() - this.clock.now().getTime();
        throw new ApiError('upstream_unavailable', problem.detail, {
          retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        });
      }
      throw err;
    }
  }

  /**
   * The guard refuses a call while too many are in flight to rule out a lockout, or while the breaker's
   * probe is out (`breaker_open` with a second's Retry-After): such a refusal ends within a second, so a
   * caller tries again while its wait lasts instead of failing; it holds its lease, not a connection.
   */
  private async callParticle(
    c: CredentialEntity,
    lease: Lease,
    deadline: number,
    client: UsableOAuthClient | undefined,
    requestId: string | undefined,
  ) {
    for (;;) {
      if (!(await this.leaseOutlivesCall(c, lease))) {
        throw new ApiError('upstream_unavailable', 'The renewal lost its lease; try again', {
          retryAfterSeconds: 1,
        });
      }
      try {
        return await this.renewer.renew(c, {
          client: client ? Promise.resolve(client) : undefined,
          requestId,
        });
      } catch (err) {
        const waitMs = 200 + Math.random() * 300;
        if (!isBriefRefusal(err) || this.clock.now().getTime() + waitMs >= deadline) throw err;
        await sleep(waitMs);
      }
    }
  }
}

function isBriefRefusal(err: unknown): boolean {
  return err instanceof BreakerOpenError && err.retryAfterSeconds <= 1;
}
