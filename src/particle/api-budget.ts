import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiUsage, ParticleApiCallsRepository, Reservation } from './particle-api-calls.repository.js';
import { DEFAULT_EGRESS_ID, WINDOW_MS } from './token-endpoint-guard.js';

const WINDOW_SECONDS = WINDOW_MS / 1000;
/** Reserved calls are counted in the bucket they were reserved in and are usable until it ends. */
const BUCKET_SECONDS = 10;
/** A refusal is remembered this long on the replica, so a tenant hammering a spent budget costs no queries. */
const REFUSAL_MEMORY_MS = 1_000;

interface Grant {
  left: number;
  /** Epoch ms at which the bucket the calls were counted in ends. */
  until: number;
}

/**
 * PARTICLE_API_BUDGET with tenant shares (design.md §9.1, §11): every proxied request takes one call.
 * A replica reserves calls a chunk at a time per tenant (one round trip per chunk, not per request), so
 * the common case is synchronous. Calls reserved but not used before their bucket ends are lost: the
 * budget errs on Particle's side, by at most one chunk per tenant and replica per bucket.
 */
@Injectable()
export class ApiBudget {
  private readonly grants = new Map<string, Grant>();
  private readonly refusals = new Map<string, { error: ApiError; until: number }>();
  private readonly asking = new Map<string, Promise<ApiError | undefined>>();
  private readonly budget: number;
  private readonly share: number;
  private readonly chunk: number;

  constructor(
    private readonly repository: ParticleApiCallsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.budget = config.particle.apiBudget;
    this.share = Math.max(1, Math.floor(config.particle.apiBudget * config.particle.tenantShare));
    // 20 of the default 8,000: small enough that idle reservations waste little of a window.
    this.chunk = Math.max(1, Math.min(100, Math.floor(this.budget / 400), this.share));
  }

  /** Takes one call for `tenantId`: undefined when admitted, else the refusal to answer. */
  take(tenantId: string): ApiError | undefined | Promise<ApiError | undefined> {
    const now = this.clock.now().getTime();
    const grant = this.grants.get(tenantId);
    if (grant && grant.left > 0 && now < grant.until) {
      grant.left -= 1;
      return undefined;
    }
    const refused = this.refusals.get(tenantId);
    if (refused && now < refused.until) return refused.error;
    // Callers of one tenant arriving together share one reservation, then take from it in turn.
    let asking = this.asking.get(tenantId);
    if (!asking) {
      asking = this.reserve(tenantId).finally(() => this.asking.delete(tenantId));
      this.asking.set(tenantId, asking);
    }
    return asking.then((error) => error ?? this.take(tenantId));
  }

  usage(now: Date): Promise<ApiUsage> {
    const first = Math.floor((now.getTime() / 1000 - WINDOW_SECONDS) / BUCKET_SECONDS);
    return this.repository.usage(DEFAULT_EGRESS_ID, first);
  }

  private async reserve(tenantId: string): Promise<ApiError | undefined> {
    const now = this.clock.now();
    const reservation = await this.repository.reserve({
      egressId: DEFAULT_EGRESS_ID,
      tenantId,
      want: this.chunk,
      budget: this.budget,
      share: this.share,
      now,
      windowSeconds: WINDOW_SECONDS,
      bucketSeconds: BUCKET_SECONDS,
    });
    if (reservation.granted > 0) {
      const bucketEnd = (Math.floor(now.getTime() / 1000 / BUCKET_SECONDS) + 1) * BUCKET_SECONDS * 1000;
      this.grants.set(tenantId, { left: reservation.granted, until: bucketEnd });
      this.refusals.delete(tenantId);
      return undefined;
    }
    const error = this.refusal(reservation);
    this.refusals.set(tenantId, { error, until: now.getTime() + REFUSAL_MEMORY_MS });
    return error;
  }

  private refusal(r: Reservation): ApiError {
    const scope = r.scope ?? 'global';
    const detail =
      scope === 'tenant'
        ? `This tenant used its share (${this.share} of PARTICLE_API_BUDGET ${this.budget}) of Particle's API in the last ${WINDOW_SECONDS} s while other tenants need it`
        : `The broker's share of Particle's API limit (PARTICLE_API_BUDGET ${this.budget} per ${WINDOW_SECONDS} s) is used up`;
    return new ApiError('api_budget_exhausted', detail, {
      retryAfterSeconds: r.retryAfterSeconds ?? 1,
      extras: { scope },
    });
  }
}
