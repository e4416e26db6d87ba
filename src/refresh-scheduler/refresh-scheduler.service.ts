import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ParticleClient } from '../particle/particle.client.js';
import { OAuthClientRotationService } from '../tenants/oauth-client-rotation.service.js';
import { OAuthClientsService } from '../tenants/oauth-clients.service.js';
import { CredentialEntity } from '../credentials/credential.entity.js';
import { CredentialRenewalService } from '../credentials/credential-renewal.service.js';
import { CredentialRenewalStep } from '../credentials/credential-renewal.step.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { CronScheduler, ScheduledJob } from './cron.scheduler.js';
import { LastSweep, RefreshSweepsRepository } from './refresh-sweeps.repository.js';
import { RefreshMetrics } from './refresh.metrics.js';
import { requestFields } from '../logging/app-logger.js';

export interface SweepResult {
  claimed: number;
  renewed: number;
  failed: number;
  skipped: number;
}

const BATCH = 100;
/** One sweep stops claiming after this many, so a tick never runs unbounded; the next tick goes on. */
const MAX_PER_SWEEP = 10_000;
const WINDOW_SECONDS = 300;

/**
 * The cron sweep (design.md §4, issue 6): claims due credentials in batches with a lease, renews or
 * checks each with REFRESH_CONCURRENCY in flight, and writes results only while its lease holds. Runs
 * on every replica; SKIP LOCKED and the leases make their claims disjoint.
 */
@Injectable()
export class RefreshSchedulerService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RefreshSchedulerService.name);
  private job: ScheduledJob | undefined;
  private running: Promise<SweepResult> | undefined;
  private stopping = false;

  constructor(
    private readonly credentials: CredentialsService,
    private readonly renewal: CredentialRenewalService,
    private readonly step: CredentialRenewalStep,
    private readonly cron: CronScheduler,
    private readonly particle: ParticleClient,
    private readonly oauthClients: OAuthClientsService,
    private readonly rotations: OAuthClientRotationService,
    private readonly audit: AuditService,
    private readonly metrics: RefreshMetrics,
    private readonly sweeps: RefreshSweepsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.refresh.cron) return;
    this.job = this.cron.schedule(this.config.refresh.cron, () => {
      // A tick while a sweep still runs is skipped, not queued: the running sweep covers it.
      if (!this.running)
        void this.sweep().catch((err: unknown) => this.logger.error({ err }, 'sweep failed'));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.job?.stop();
    await this.running?.catch(() => undefined);
    const released = await this.renewal.releaseHeldLeases().catch(() => 0);
    if (released > 0) this.logger.log({ released }, 'released renewal leases at shutdown');
  }

  /**
   * One sweep now (cron tick, `POST /v1/admin/refresh-runs`, or the CLI); concurrent calls share it.
   * `requestId`: the request that asks for it; a sweep it starts names it in its log lines.
   */
  sweep(requestId?: string): Promise<SweepResult> {
    this.running ??= this.runSweep(requestId).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runSweep(requestId: string | undefined): Promise<SweepResult> {
    const end = this.metrics.sweepSeconds.startTimer();
    const result: SweepResult = { claimed: 0, renewed: 0, failed: 0, skipped: 0 };
    try {
      await this.housekeeping(requestId);
      await this.renewClaimed(result, requestId);
    } finally {
      end();
      await this.publishGauges(requestId);
      await this.recordFinished(result, requestId);
    }
    if (result.claimed > 0) {
      await this.audit.record({
        actor: 'system',
        action: 'refresh.sweep',
        outcome: result.failed > 0 ? 'failure' : 'success',
        details: { ...result, owner: this.renewal.owner },
      });
    }
    return result;
  }

  /** The latest finished sweep of any replica (GET /v1/admin/overview); undefined before the first. */
  lastSweep(): Promise<LastSweep | undefined> {
    return this.sweeps.findLast();
  }

  /**
   * Every sweep, empty ones too, so ops see a stopped scheduler as an old `at`. Best effort: the sweep's
   * own outcome (or error) is what its caller must hear.
   */
  private async recordFinished(result: SweepResult, requestId: string | undefined): Promise<void> {
    try {
      await this.sweeps.recordFinished(result, this.clock.now(), this.renewal.owner);
    } catch (err) {
      this.logger.warn(
        { ...requestFields(requestId), err: err instanceof Error ? err.message : String(err) },
        'could not record the sweep for the overview',
      );
    }
  }

  /** Rotation clean-up rides on the sweep; its failures are retried next time and never stop renewals. */
  private async housekeeping(requestId: string | undefined): Promise<void> {
    try {
      await this.oauthClients.retireExpiredFallbacks();
      await this.rotations.deleteRetiredAtParticle(requestId);
    } catch (err) {
      this.logger.warn(
        { ...requestFields(requestId), err: err instanceof Error ? err.message : String(err) },
        'rotation clean-up failed; retrying next sweep',
      );
    }
  }

  /**
   * REFRESH_CONCURRENCY lanes (Particle calls in flight), each taking the next claimed credential as soon
   * as it is free. The next batch is claimed while the lanes still have work, so no lane idles at a
   * batch's tail or waits for a claim (a batch-at-a-time loop lost several percent of the sweep rate to
   * both).
   */
  private async renewClaimed(result: SweepResult, requestId: string | undefined): Promise<void> {
    const queue: CredentialEntity[] = [];
    let exhausted = false;
    let claimError: Error | undefined;
    let claiming: Promise<void> | undefined;
    const claim = (): Promise<void> =>
      (claiming ??= (async () => {
        try {
          const size = Math.min(BATCH, MAX_PER_SWEEP - result.claimed);
          const batch = await this.step.claimDue(size);
          result.claimed += batch.length;
          queue.push(...batch);
          if (batch.length < size || result.claimed >= MAX_PER_SWEEP) exhausted = true;
        } catch (err) {
          // Surfaced by the lane that next finds the queue empty; the sweep fails as it did before.
          claimError =
            err instanceof Error ? err : new Error('claiming due credentials failed', { cause: err });
          exhausted = true;
        } finally {
          claiming = undefined;
        }
      })());
    const next = async (): Promise<CredentialEntity | undefined> => {
      for (;;) {
        const item = queue.shift();
        if (item) {
          if (queue.length < this.config.refresh.concurrency && !exhausted && !this.stopping) void claim();
          return item;
        }
        if (claimError !== undefined) throw claimError;
        if (exhausted || this.stopping) return undefined;
        await claim();
      }
    };
    const lanes = Array.from({ length: this.config.refresh.concurrency }, () =>
      this.runLane(next, result, requestId),
    );
    // Every lane ends before the sweep does, even when one fails (the database went away): a sweep that
    // returned early would let the next tick start new lanes beside the old ones.
    const ended = await Promise.allSettled(lanes);
    const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * One lane: Particle calls one after another. While a call is out, the lane already holds its next
   * credential and reads that one's OAuth client, and it writes the previous result; at most one write
   * is outstanding, and every write is awaited before the lane ends. Its successes are handed to its next
   * admission (EgressLane), one guard statement per call.
   */
  private async runLane(
    next: () => Promise<CredentialEntity | undefined>,
    result: SweepResult,
    requestId: string | undefined,
  ): Promise<void> {
    const permits = this.particle.egressLane(requestId);
    const take = async () => {
      const c = await next();
      return c && { c, client: this.step.readClientAhead(c) };
    };
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let current = await take(); current;) {
        const upcoming = take();
        // Awaited below; a failed claim must not count as unhandled while this call is out.
        upcoming.catch(() => undefined);
        const { kind } = current.c;
        const persist = await this.step.begin(current.c, { permits, client: current.client, requestId });
        await writing;
        writing = persist().then((outcome) => {
          result[outcome]++;
          this.metrics.outcomes.inc({ kind, outcome });
        });
        // Handled here, rethrown by the next await: a failed write must not crash the process meanwhile.
        writing.catch(() => undefined);
        current = await upcoming;
      }
    } finally {
      await permits
        .settle()
        .catch((err: unknown) =>
          this.logger.error(
            { ...requestFields(requestId), err },
            'could not record a token-endpoint success',
          ),
        );
      await writing;
    }
  }

  private async publishGauges(requestId: string | undefined): Promise<void> {
    try {
      const now = this.clock.now();
      this.metrics.credentialsByStatus.reset();
      for (const { status, n } of await this.credentials.countByStatus())
        this.metrics.credentialsByStatus.set({ status }, n);
      this.metrics.oldestOverdueSeconds.set(await this.credentials.oldestOverdueSeconds(now));
      // Each scheduled credential is re-minted about once per (token lifetime - lead) seconds.
      const renewable = await this.credentials.countScheduledRenewable();
      const cycle = Math.max(60, this.config.tokenTtlSeconds - this.config.refresh.leadSeconds);
      const needed = Math.ceil((renewable * WINDOW_SECONDS) / cycle);
      this.metrics.requiredMintsPer5Min.set(needed);
      if (needed > this.config.particle.tokenBudget) {
        this.logger.warn(
          {
            ...requestFields(requestId),
            needed,
            budget: this.config.particle.tokenBudget,
            renewable,
            cycleSeconds: cycle,
          },
          `keeping ${renewable} credentials fresh needs ${needed} token calls per 5 minutes, above PARTICLE_TOKEN_BUDGET=${this.config.particle.tokenBudget}: renewals will fall behind`,
        );
      }
    } catch (err) {
      this.logger.warn(
        { ...requestFields(requestId), err: err instanceof Error ? err.message : String(err) },
        'could not refresh scheduler gauges',
      );
    }
  }
}
