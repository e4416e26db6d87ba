import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretBox } from '../crypto/secret-box.js';
import { ParticleClient } from '../particle/particle.client.js';
import { isParticleError } from '../particle/particle.errors.js';
import type { UsableOAuthClient } from '../tenants/oauth-clients.service.js';
import { CredentialEntity } from './credential.entity.js';
import { CredentialRenewer, RenewalLane } from './credential-renewer.service.js';
import { credentialLocation } from './credential-seal.js';
import { CredentialRenewalService } from './credential-renewal.service.js';
import type { FailureUpdate, Lease } from './credential-writes.js';
import { CredentialsRepository } from './credentials.repository.js';
import { canRenew, CHECK_INTERVAL_MS } from './renewal-policy.js';

export type StepOutcome = 'renewed' | 'failed' | 'skipped';

/** A credential's write phase: stores what its Particle phase found, under the lease. */
export type Persist = () => Promise<StepOutcome>;

interface Outcome {
  result: StepOutcome;
  error?: string;
  /** What Particle (or the egress guard) threw, for a caller that answers with it (`checkNow`). */
  cause?: Error;
  /** Its audit row was written with the credential already. */
  audited?: boolean;
}

/** A non-renewable token is `expiring` once it has less than this left (or the lead, if longer). */
const EXPIRING_WARNING_MS = 7 * 24 * 3600 * 1000;
/** After a local refusal (budget, breaker) without a Retry-After, look again this much later. */
const LOCAL_REFUSAL_RETRY_MS = 30_000;

/**
 * What a sweep does with one credential it claimed, per kind (design.md §4), under the claim's lease and
 * through the same protocol as callers (CredentialRenewalService).
 */
@Injectable()
export class CredentialRenewalStep {
  constructor(
    private readonly leases: CredentialsRepository,
    private readonly renewal: CredentialRenewalService,
    private readonly renewer: CredentialRenewer,
    private readonly particle: ParticleClient,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Claims up to `limit` due credentials under this replica's lease. */
  claimDue(limit: number): Promise<CredentialEntity[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.renewal.leaseMs);
    return this.leases.claimDue(this.renewal.owner, now, leaseUntil, limit);
  }

  /** See `CredentialRenewer.readClientAhead`. */
  readClientAhead(c: CredentialEntity): Promise<UsableOAuthClient> | undefined {
    return this.renewer.readClientAhead(c);
  }

  /**
   * The Particle phase: renews or checks the credential and returns its write phase, which stores the
   * result under the lease (and audits it). The scheduler starts the next credential's Particle call
   * while that write runs, so a lane's time goes to Particle and not to waiting on its own writes.
   * `lane`: the sweep lane's egress lane and early client read (see `RenewalLane`).
   */
  async begin(c: CredentialEntity, lane?: RenewalLane): Promise<Persist> {
    const lease: Lease = { owner: this.renewal.owner, version: c.version };
    if (!(await this.renewal.leaseOutlivesCall(c, lease))) {
      // This replica stalled past its lease (a long pause, a frozen VM), or the queue's tail reached a lease
      // too short for a call that could still succeed after it: another one may own the row by then, and
      // the version check would refuse our write anyway. Calling Particle would only spend the budget.
      return () => Promise.resolve('skipped');
    }
    const write = canRenew(c.kind)
      ? await this.renew(c, lease, lane)
      : await this.check(c, lease, lane?.requestId);
    return async () => {
      const outcome = await write();
      await this.finish(c, outcome);
      return outcome.result;
    };
  }

  /**
   * A check ops asked for (POST .../renewals of a password or token credential): the sweep's check, under
   * a lease taken as a caller takes one, stored the same way. What Particle answered badly is rethrown
   * once stored, so the caller hears it; the admin action's own audit row records it (no `system` row).
   */
  async checkNow(c: CredentialEntity, requestId: string | undefined): Promise<void> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + this.renewal.leaseMs);
    const leased = await this.leases.acquireLease(c.id, this.renewal.owner, now, until);
    if (!leased) {
      throw new ApiError('upstream_unavailable', `Credential ${c.id} is being checked right now; try again`, {
        retryAfterSeconds: 1,
      });
    }
    const outcome = await (
      await this.check(leased, { owner: this.renewal.owner, version: leased.version }, requestId)
    )();
    // Rethrown as caught: the problem filter maps ParticleErrors and ApiErrors itself.
    if (outcome.cause) throw outcome.cause;
  }

  private async finish(c: CredentialEntity, outcome: Outcome): Promise<void> {
    if (outcome.audited) this.audit.countAppendedElsewhere(1);
    else if (outcome.result !== 'skipped' || outcome.error) {
      await this.audit.record({
        actor: 'system',
        action: canRenew(c.kind) ? 'credential.renew' : 'credential.check',
        outcome: outcome.result === 'failed' ? 'failure' : 'success',
        tenantId: c.tenantId,
        target: c.id,
        details: { kind: c.kind, result: outcome.result, ...(outcome.error ? { error: outcome.error } : {}) },
      });
    }
  }

  private async renew(
    c: CredentialEntity,
    lease: Lease,
    lane: RenewalLane | undefined,
  ): Promise<() => Promise<Outcome>> {
    try {
      const { sealed } = await this.renewer.renew(c, lane);
      return async () => {
        const written = await this.leases.saveRenewedIfLeased(c, lease, sealed, {
          actor: 'system',
          action: 'credential.renew',
          outcome: 'success',
          at: this.clock.now(),
          details: { kind: c.kind, result: 'renewed' },
        });
        // A refused write (the lease or version moved on) is not audited here either, as before.
        return written ? { result: 'renewed', audited: true } : { result: 'skipped' };
      };
    } catch (err) {
      const failure = await this.renewer.failureFor(c, err);
      return () => this.fail(c, lease, err, failure);
    }
  }

  /** Tokens that cannot be renewed are only checked: still valid at Particle, and how long for. */
  private async check(
    c: CredentialEntity,
    lease: Lease,
    requestId: string | undefined,
  ): Promise<() => Promise<Outcome>> {
    const now = this.clock.now();
    if (!c.accessTokenSealed || (c.accessExpiresAt && c.accessExpiresAt <= now)) {
      const failure: FailureUpdate = {
        status: 'needs_reauth',
        lastError: 'the token has expired',
        nextAttemptAt: null,
      };
      return async () => {
        await this.leases.saveFailureIfLeased(c, lease, failure);
        return { result: 'failed', error: 'expired' };
      };
    }
    try {
      const token = this.box.open(c.accessTokenSealed, credentialLocation(c.id, 'access_token_sealed'));
      const current = await this.particle.currentToken(token, requestId);
      const expiresAt = current.expiresAt;
      const left = expiresAt ? expiresAt.getTime() - now.getTime() : Infinity;
      const warnAt = Math.max(EXPIRING_WARNING_MS, this.config.refresh.leadSeconds * 1000);
      const nextCheck = Math.min(
        now.getTime() + CHECK_INTERVAL_MS,
        expiresAt ? expiresAt.getTime() : Infinity,
      );
      return async () => {
        const written = await this.leases.saveCheckedIfLeased(c, lease, {
          accessExpiresAt: expiresAt,
          status: left < warnAt ? 'expiring' : 'active',
          nextAttemptAt: new Date(nextCheck),
        });
        return { result: written ? 'renewed' : 'skipped' };
      };
    } catch (err) {
      const failure = await this.renewer.failureFor(c, err);
      return () => this.fail(c, lease, err, failure);
    }
  }

  private async fail(
    c: CredentialEntity,
    lease: Lease,
    err: unknown,
    failure: FailureUpdate | undefined,
  ): Promise<{ result: StepOutcome; error: string; cause: Error }> {
    const error = isParticleError(err) ? err.kind : err instanceof Error ? err.name : 'error';
    const cause = err instanceof Error ? err : new Error(error);
    if (!failure) {
      // The budget or the breaker said not now: not the credential's fault, so it keeps its status.
      const retryAfter = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
      const at = this.clock.now().getTime() + (retryAfter ? retryAfter * 1000 : LOCAL_REFUSAL_RETRY_MS);
      await this.leases.releaseLease(c, lease, new Date(at));
      return { result: 'skipped', error, cause };
    }
    await this.leases.saveFailureIfLeased(c, lease, failure);
    return { result: 'failed', error, cause };
  }
}
