import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ParticleStreamSlotsRepository, StreamUsage } from './particle-stream-slots.repository.js';
import { DEFAULT_EGRESS_ID, WINDOW_MS } from './token-endpoint-guard.js';

/** A slot's lease, renewed every third of it: a replica that dies frees its slots within this. */
const LEASE_SECONDS = 90;
const RENEW_MS = (LEASE_SECONDS * 1000) / 3;

/**
 * PARTICLE_STREAM_LIMIT and PARTICLE_STREAM_OPEN_BUDGET with tenant shares (design.md §9.1, §11),
 * across replicas: a slot per upstream event stream, and an open spent on every connect and reconnect.
 */
@Injectable()
export class StreamSlots implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StreamSlots.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly limit: number;
  private readonly openBudget: number;
  private readonly shareLimit: number;
  private readonly shareOpens: number;

  constructor(
    private readonly repository: ParticleStreamSlotsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const { streamLimit, streamOpenBudget, tenantShare } = config.particle;
    this.limit = streamLimit;
    this.openBudget = streamOpenBudget;
    this.shareLimit = Math.max(1, Math.floor(streamLimit * tenantShare));
    this.shareOpens = Math.max(1, Math.floor(streamOpenBudget * tenantShare));
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.repository.release([...this.held]).catch(() => undefined);
    this.held.clear();
  }

  /** A new slot for an upstream stream of `tenantId`, with its first open; refused: 503 `stream_limit_reached`. */
  async acquire(tenantId: string, path: string): Promise<string> {
    const slotId = randomUUID();
    await this.open(tenantId, slotId, path);
    this.held.add(slotId);
    return slotId;
  }

  /** A reconnect of the stream holding `slotId`: it keeps its slot and spends one open. */
  reopen(tenantId: string, slotId: string, path: string): Promise<void> {
    return this.open(tenantId, slotId, path);
  }

  async release(slotId: string): Promise<void> {
    this.held.delete(slotId);
    await this.repository.release([slotId]);
  }

  usage(now: Date): Promise<StreamUsage> {
    return this.repository.usage(DEFAULT_EGRESS_ID, now, new Date(now.getTime() - WINDOW_MS));
  }

  private async open(tenantId: string, slotId: string, path: string): Promise<void> {
    const decision = await this.repository.open({
      egressId: DEFAULT_EGRESS_ID,
      tenantId,
      slotId,
      owner: this.owner,
      path,
      limit: this.limit,
      openBudget: this.openBudget,
      shareLimit: this.shareLimit,
      shareOpens: this.shareOpens,
      now: this.clock.now(),
      leaseSeconds: LEASE_SECONDS,
      windowSeconds: WINDOW_MS / 1000,
    });
    if (decision.admitted) return;
    const scope = decision.scope ?? 'global';
    throw new ApiError(
      'stream_limit_reached',
      scope === 'tenant'
        ? "This tenant holds its share of Particle's event streams (PARTICLE_STREAM_LIMIT, PARTICLE_STREAM_OPEN_BUDGET) while other tenants need them"
        : `No event-stream slot: PARTICLE_STREAM_LIMIT (${this.limit}) streams are open or PARTICLE_STREAM_OPEN_BUDGET (${this.openBudget}) were opened in the window`,
      { retryAfterSeconds: decision.retryAfterSeconds ?? 60, extras: { scope } },
    );
  }

  private async renew(): Promise<void> {
    const until = new Date(this.clock.now().getTime() + LEASE_SECONDS * 1000);
    await this.repository.renew(this.owner, [...this.held], until).catch((err: unknown) => {
      this.logger.warn({
        msg: 'stream slot leases not renewed',
        err: err instanceof Error ? err.name : 'error',
      });
    });
  }
}
