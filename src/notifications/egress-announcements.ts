import { Injectable, Logger } from '@nestjs/common';
import { WebhookOutbox } from './webhook-outbox.js';

/** The budgets' window (design.md §9): an exhausted budget is announced once per window and scope. */
const WINDOW_MS = 300_000;

/**
 * `egress.budget_exhausted`, at most once per window, budget and scope (per tenant for a tenant's
 * share). A refusal changes no row, so the event has no transaction to join: it is written on its own,
 * without delaying the refusal. The outbox's dedupe key makes replicas together write it once; this
 * replica's memory of the keys it wrote spares the database a statement per refusal under load.
 */
@Injectable()
export class EgressAnnouncements {
  private readonly logger = new Logger(EgressAnnouncements.name);
  private readonly announced = new Set<string>();
  private window = 0;

  constructor(private readonly outbox: WebhookOutbox) {}

  budgetExhausted(
    budget: 'token' | 'api' | 'streams',
    scope: 'global' | 'tenant',
    tenantId: string | null,
    retryAfterSeconds: number,
    now: Date,
  ): void {
    const window = Math.floor(now.getTime() / WINDOW_MS);
    if (window !== this.window) {
      this.announced.clear();
      this.window = window;
    }
    const tenant = scope === 'tenant' ? tenantId : null;
    const key = `${budget}:${scope}:${tenant ?? ''}:${window}`;
    if (this.announced.has(key)) return;
    this.announced.add(key);
    this.outbox
      .enqueue({
        type: 'egress.budget_exhausted',
        tenantId: tenant,
        orderingKey: 'egress',
        data: { budget, scope, retry_after_seconds: retryAfterSeconds },
        dedupeKey: key,
      })
      .catch((err: unknown) => {
        this.announced.delete(key);
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'budget event not written',
        );
      });
  }
}
