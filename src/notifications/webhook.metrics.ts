import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Clock } from '../common/clock.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

@Injectable()
export class WebhookMetrics {
  readonly deliveries: Counter<'outcome'>;

  constructor(metrics: MetricsService, deliveries: WebhookDeliveriesRepository, clock: Clock) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({
      name: 'broker_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retry (will be tried again) or failed (given up)',
      labelNames: ['outcome'],
      registers,
    });
    // Read at scrape time, once for both gauges: the backlog is every replica's together.
    let pending: Promise<{ pending: number; oldestSeconds: number }> | undefined;
    const backlog = () => (pending ??= deliveries.backlog(clock.now()).finally(() => (pending = undefined)));
    new Gauge({
      name: 'broker_webhook_backlog',
      help: 'Webhook deliveries waiting (all replicas)',
      registers,
      async collect() {
        this.set((await backlog()).pending);
      },
    });
    new Gauge({
      name: 'broker_webhook_oldest_pending_seconds',
      help: 'Age of the oldest webhook delivery still waiting',
      registers,
      async collect() {
        this.set((await backlog()).oldestSeconds);
      },
    });
  }
}
