import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { DatabaseNotificationsModule } from '../database/database-notifications.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { OutboxModule } from './outbox.module.js';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookWakeups } from './webhook-wakeups.js';
import { WebhookMetrics } from './webhook.metrics.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * Webhooks (design.md §10): endpoints, the outbox and its delivery worker. Status events are written
 * by triggers in the database (see the Webhooks migration), so the modules whose writes cause them do
 * not import this one; the events the app writes itself go through OutboxModule.
 */
@Module({
  imports: [AuditModule, CryptoModule, DatabaseNotificationsModule, MetricsModule, OutboxModule],
  controllers: [WebhooksController],
  providers: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookSender,
    WebhookMetrics,
    WebhookDeliveryWorker,
    WebhooksService,
    WebhookWakeups,
  ],
  // For the ops overview's webhook backlog.
  exports: [WebhooksService],
})
export class NotificationsModule {}
