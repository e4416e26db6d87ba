import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretBox } from '../crypto/secret-box.js';
import { nextAttemptAfter } from './retry-schedule.js';
import {
  ClaimedDelivery,
  SavedOutcome,
  WebhookDeliveriesRepository,
} from './webhook-deliveries.repository.js';
import { WebhookMetrics } from './webhook.metrics.js';
import { WebhookSender } from './webhook-sender.js';
import { signatureHeader, webhookSecretLocation } from './webhook-signature.js';
import { WebhookWakeups } from './webhook-wakeups.js';

/** Deliveries in flight per replica, and of those at most this many to one endpoint. */
const CONCURRENCY = 16;
const PER_ENDPOINT = 4;
/**
 * Deliveries claimed ahead of free slots: a slot that frees starts the next attempt at once instead of
 * waiting for a claim's round trip. A claim is sent once room for half a batch is free.
 */
const AHEAD = CONCURRENCY;
/** A lease outlives the attempt it covers by this much, so only a dead replica's leases run out. */
const LEASE_MARGIN_MS = 5_000;
/** While claims meet a backlog, the outbox's statistics are refreshed at most this often. */
const STATISTICS_EVERY_MS = 60_000;

/** A claimed delivery waiting for a slot, with its signing secrets and when its lease runs out. */
interface Ready {
  delivery: ClaimedDelivery;
  secrets: string[];
  leaseUntil: number;
}

/**
 * Delivers the outbox on every replica, whatever REFRESH_CRON says (design.md §10): claims due deliveries
 * with leases, signs and POSTs each, and records the outcome under its lease. At least once: a replica
 * that dies mid-attempt leaves a lease that runs out, and another replica makes that attempt again with
 * the same `webhook-id`.
 *
 * Outcomes are written with group commit: while one UPDATE is out, the outcomes that arrive wait, and the
 * next UPDATE takes them all. A delivery stays `pending` and leased until its outcome commits, so no other
 * replica takes it meanwhile, and the next event of its ordering key is not claimable before then (the
 * claim holds a delivery back while an earlier one of its key is `pending`). For the same reason a
 * delivery claimed ahead cannot have an earlier one of its key anywhere: the ones waiting for a slot may
 * start in any order.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perEndpoint = new Map<string, number>();
  private ready: Ready[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  private wanted = false;
  private stopped = false;
  private outcomes: SavedOutcome[] = [];
  private saving = false;
  private saved: Promise<void> = Promise.resolve();
  private statisticsAt = Number.NEGATIVE_INFINITY;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly enabled: boolean;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly metrics: WebhookMetrics,
    private readonly wakeups: WebhookWakeups,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.timeoutMs = config.webhooks.timeoutMs;
    this.pollMs = config.webhooks.pollMs;
    this.enabled = config.webhooks.deliver;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    // Queued events wake the worker at once; the poll finds what is due later (retries, expired leases)
    // and whatever was queued while the LISTEN connection was down.
    this.wakeups.start(() => void this.pump());
    this.timer = setInterval(() => void this.pump(), this.pollMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.wakeups.stop();
    // Attempts in flight end within the timeout; then nothing of this replica's is left claimed.
    await Promise.allSettled([...this.inFlight.values()]);
    // Their outcomes before the release: a delivered row released unrecorded would be delivered again.
    await this.saved;
    await this.deliveries.releaseAllOwnedBy(this.owner).catch(() => undefined);
  }

  /** Claims and starts deliveries while slots are free and some are due. Exposed for tests that cannot wait. */
  async pump(): Promise<void> {
    if (this.stopped) return;
    this.startReady();
    if (this.pumping) {
      // Slots freed while a claim was out: claim again after it instead of waiting for the next poll.
      this.wanted = true;
      return;
    }
    this.pumping = true;
    try {
      for (;;) {
        this.wanted = false;
        const room = this.room();
        if (room < CONCURRENCY / 2 || this.stopped) return;
        const now = this.clock.now();
        const leaseUntil = now.getTime() + this.timeoutMs + LEASE_MARGIN_MS;
        const claimed = await this.deliveries.claimDue(this.owner, now, new Date(leaseUntil), {
          limit: room,
          perEndpoint: PER_ENDPOINT,
          skipEndpoints: this.busyEndpoints(),
        });
        if (claimed.length === 0) return;
        // Several at once is a backlog (even one endpoint's, held to PER_ENDPOINT a claim), not a trickle.
        if (claimed.length >= PER_ENDPOINT) this.refreshStatistics(now.getTime());
        const signing = this.signingSecrets(claimed);
        for (const d of claimed) {
          this.ready.push({ delivery: d, secrets: signing.get(d.endpointId) ?? [], leaseUntil });
        }
        this.startReady();
        if (claimed.length < room && !this.wanted) return;
      }
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'webhook claim failed');
    } finally {
      this.pumping = false;
    }
  }

  /** A backlog the statistics may not know of (see WebhookDeliveriesRepository.refreshStatistics). */
  private refreshStatistics(now: number): void {
    if (now - this.statisticsAt < STATISTICS_EVERY_MS) return;
    this.statisticsAt = now;
    void this.deliveries
      .refreshStatistics()
      .catch((err: unknown) =>
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'ANALYZE of the outbox failed',
        ),
      );
  }

  private room(): number {
    return CONCURRENCY + AHEAD - this.inFlight.size - this.ready.length;
  }

  /**
   * Starts waiting deliveries while slots are free, none to an endpoint already at PER_ENDPOINT. One whose
   * lease would no longer outlive its attempt by half the margin is left to run out (the delivery is
   * claimed again then, by any replica), so a lease still covers every attempt made under it.
   */
  private startReady(): void {
    if (this.ready.length === 0 || this.inFlight.size >= CONCURRENCY) return;
    const latestStart = this.clock.now().getTime() + this.timeoutMs + LEASE_MARGIN_MS / 2;
    const waiting: Ready[] = [];
    for (const r of this.ready) {
      if (r.leaseUntil < latestStart) continue;
      const held = this.perEndpoint.get(r.delivery.endpointId) ?? 0;
      if (this.inFlight.size < CONCURRENCY && held < PER_ENDPOINT && !this.stopped) {
        this.start(r.delivery, r.secrets);
      } else {
        waiting.push(r);
      }
    }
    this.ready = waiting;
  }

  /** Endpoints with enough in flight and waiting here that claiming more of theirs would only queue them. */
  private busyEndpoints(): string[] {
    const held = new Map(this.perEndpoint);
    for (const r of this.ready) held.set(r.delivery.endpointId, (held.get(r.delivery.endpointId) ?? 0) + 1);
    return [...held].filter(([, n]) => n >= 2 * PER_ENDPOINT).map(([id]) => id);
  }

  /** Each endpoint's secrets opened once per claim, however many of its deliveries it brought. */
  private signingSecrets(claimed: ClaimedDelivery[]): Map<string, string[]> {
    const byEndpoint = new Map<string, string[]>();
    for (const d of claimed) {
      if (byEndpoint.has(d.endpointId)) continue;
      byEndpoint.set(
        d.endpointId,
        d.secrets.map((s) => this.secrets.open(s.sealed, webhookSecretLocation(s.id))),
      );
    }
    return byEndpoint;
  }

  private start(d: ClaimedDelivery, secrets: string[]): void {
    this.perEndpoint.set(d.endpointId, (this.perEndpoint.get(d.endpointId) ?? 0) + 1);
    const run = this.deliver(d, secrets)
      .catch((err: unknown) =>
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err), delivery: d.id },
          'webhook attempt failed unrecorded; the lease runs out and the attempt is made again',
        ),
      )
      .finally(() => {
        this.inFlight.delete(d.id);
        const left = (this.perEndpoint.get(d.endpointId) ?? 1) - 1;
        if (left > 0) this.perEndpoint.set(d.endpointId, left);
        else this.perEndpoint.delete(d.endpointId);
        // A waiting delivery takes the slot at once; a claim goes out once room for half a batch is free,
        // not per finished attempt (one claim statement per delivery was most of a delivery's cost).
        this.startReady();
        if (this.room() >= CONCURRENCY / 2) void this.pump();
      });
    this.inFlight.set(d.id, run);
  }

  private async deliver(d: ClaimedDelivery, secrets: string[]): Promise<void> {
    const body = JSON.stringify({
      type: d.type,
      timestamp: new Date(d.eventCreatedAt).toISOString(),
      data: d.data,
    });
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const result = await this.sender.post(
      d.url,
      {
        'content-type': 'application/json',
        'webhook-id': d.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, d.eventId, timestamp, body),
        'user-agent': 'particle-token-broker',
      },
      body,
      this.timeoutMs,
    );
    const at = this.clock.now();
    const attempt = d.attempt + 1;
    const outcome: SavedOutcome = {
      id: d.id,
      attempt,
      statusCode: result.statusCode,
      error: result.error,
      at,
      state: 'delivered',
      nextAttemptAt: null,
    };
    if (result.error !== null) {
      const next = nextAttemptAfter(attempt, new Date(d.eventCreatedAt), at);
      outcome.state = next ? 'pending' : 'failed';
      outcome.nextAttemptAt = next;
    }
    this.metrics.deliveries.inc({ outcome: outcome.state === 'pending' ? 'retry' : outcome.state });
    this.outcomes.push(outcome);
    if (!this.saving) this.saved = this.saveOutcomes();
  }

  private async saveOutcomes(): Promise<void> {
    this.saving = true;
    try {
      while (this.outcomes.length > 0) {
        const batch = this.outcomes;
        this.outcomes = [];
        try {
          await this.deliveries.saveOutcomesIfLeased(this.owner, batch);
        } catch (err) {
          this.logger.warn(
            { err: err instanceof Error ? err.message : String(err), deliveries: batch.length },
            'webhook outcomes not recorded; their leases run out and the attempts are made again',
          );
        }
        // The next events of these deliveries' ordering keys are claimable now.
        if (this.room() >= CONCURRENCY / 2) void this.pump();
      }
    } finally {
      this.saving = false;
    }
  }
}
