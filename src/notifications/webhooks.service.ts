import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretBox } from '../crypto/secret-box.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookEndpoint, WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { newWebhookSecret, webhookSecretLocation } from './webhook-signature.js';
import { checkWebhookUrl } from './webhook-url.js';
import type {
  CreatedWebhookView,
  CreateWebhookBody,
  DeliveryPage,
  QueuedTestEvent,
  RotatedWebhookSecret,
  WebhookView,
} from './webhooks.dto.js';

const DEFAULT_GRACE_SECONDS = 86_400;

function toView(e: WebhookEndpoint): WebhookView {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    tenants: e.tenants,
    description: e.description,
    created_at: e.createdAt.toISOString(),
  };
}

const wildcardOr = (list: string[] | undefined): string[] =>
  !list || list.includes('*') ? ['*'] : [...new Set(list)];

/** Webhook endpoints for ops (design.md §10). Secrets are shown once and stored sealed. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly outbox: WebhookOutbox,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(body: CreateWebhookBody, audit?: SuccessAudit): Promise<CreatedWebhookView> {
    const url = checkWebhookUrl(body.url, this.config.webhooks.allowHttp);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const secretId = randomUUID();
    const sealed = this.secrets.seal(secret, webhookSecretLocation(secretId));
    const saved = await this.endpoints.create(
      {
        id,
        url,
        events: wildcardOr(body.events),
        tenants: wildcardOr(body.tenants),
        description: body.description ?? null,
      },
      { id: secretId, endpointId: id, sealed },
      audit &&
        ((em) =>
          audit.appendIn(em, {
            id,
            url,
            events: wildcardOr(body.events),
            tenants: wildcardOr(body.tenants),
          })),
    );
    return { ...toView(saved), secret };
  }

  async list(): Promise<WebhookView[]> {
    return (await this.endpoints.list()).map(toView);
  }

  async get(id: string): Promise<WebhookView> {
    return toView(await this.found(id));
  }

  async delete(id: string, audit?: SuccessAudit): Promise<void> {
    const deleted = await this.endpoints.deleteById(id, audit && ((em) => audit.appendIn(em, { id })));
    if (!deleted) throw ApiError.notFound('That webhook');
  }

  /** A new secret; the ones in use keep signing for `graceSeconds` too, so receivers can switch over. */
  async rotateSecret(
    id: string,
    graceSeconds: number | undefined,
    audit?: SuccessAudit,
  ): Promise<RotatedWebhookSecret> {
    const now = this.clock.now();
    const secret = newWebhookSecret();
    const secretId = randomUUID();
    const sealed = this.secrets.seal(secret, webhookSecretLocation(secretId));
    const graceUntil = new Date(now.getTime() + (graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000);
    const rotated = await this.endpoints.addSecret(
      { id: secretId, endpointId: id, sealed },
      now,
      graceUntil,
      audit && ((em) => audit.appendIn(em, { id })),
    );
    if (!rotated) throw ApiError.notFound('That webhook');
    return { id, secret };
  }

  /** Queues a `webhook.test` event to this endpoint only; the audit row commits with it. */
  async test(id: string, audit?: SuccessAudit): Promise<QueuedTestEvent> {
    await this.found(id);
    const eventId = await this.endpoints.inTransaction(async (em) => {
      const queued = await this.outbox.enqueue(
        { type: 'webhook.test', tenantId: null, orderingKey: null, data: {}, endpointId: id },
        em,
      );
      if (!queued) return null;
      await audit?.appendIn(em, { event_id: queued });
      return queued;
    });
    if (!eventId) throw ApiError.notFound('That webhook');
    return { event_id: eventId };
  }

  async deliveriesPage(id: string, limit: number, before?: string): Promise<DeliveryPage> {
    await this.found(id);
    const rows = await this.deliveries.pageForEndpoint(id, limit, before);
    return {
      items: rows.map((d) => ({
        id: d.id,
        event_id: d.eventId,
        type: d.type,
        attempt: d.attempt,
        state: d.state,
        status_code: d.statusCode,
        error: d.error,
        at: new Date(d.at).toISOString(),
        next_attempt_at: d.nextAttemptAt ? new Date(d.nextAttemptAt).toISOString() : null,
      })),
      next_before: rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null,
    };
  }

  /** The overview's webhook backlog: deliveries waiting (first attempts and retries), endpoints failing. */
  async backlog(): Promise<{ pending: number; failing_endpoints: number }> {
    const [{ pending }, failing] = await Promise.all([
      this.deliveries.backlog(this.clock.now()),
      this.deliveries.countFailingEndpoints(),
    ]);
    return { pending, failing_endpoints: failing };
  }

  private async found(id: string): Promise<WebhookEndpoint> {
    const e = await this.endpoints.findById(id);
    if (!e) throw ApiError.notFound('That webhook');
    return e;
  }
}
