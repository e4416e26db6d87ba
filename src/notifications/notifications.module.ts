import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { OutboxModule } from './outbox.module.js';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { WebhookSender } from './webhook-sender.js';
import { ListenConnectionFactory, WEBHOOK_LISTEN_CONNECTION, WebhookWakeups } from './webhook-wakeups.js';
import { WebhookMetrics } from './webhook.metrics.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * Webhooks (design.md §10): endpoints, the outbox and its delivery worker. Status events are written
 * by triggers in the database (see the Webhooks migration), so the modules whose writes cause them do
 * not import this one; the events the app writes itself go through OutboxModule.
 */
@Module({
  imports: [AuditModule, CryptoModule, MetricsModule, OutboxModule],
  controllers: [WebhooksController],
  providers: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookSender,
    WebhookMetrics,
    WebhookDeliveryWorker,
    WebhooksService,
    WebhookWakeups,
    {
      // The same server and database as the pool's, on a connection of its own, named apart from the
      // credential listener's so that each shows for itself in pg_stat_activity.
      provide: WEBHOOK_LISTEN_CONNECTION,
      inject: [getDataSourceToken()],
      useFactory:
        (dataSource: DataSource): ListenConnectionFactory =>
        () =>
          new pg.Client({
            connectionString: dataSource.options.type === 'postgres' ? dataSource.options.url : undefined,
            application_name: 'particle-token-broker-webhooks',
            connectionTimeoutMillis: 5_000,
            // A dead peer on an idle connection shows as an error, and the connection is made again.
            keepAlive: true,
            keepAliveInitialDelayMillis: 10_000,
          }),
    },
  ],
  // For the ops overview's webhook backlog.
  exports: [WebhooksService],
})
export class NotificationsModule {}
