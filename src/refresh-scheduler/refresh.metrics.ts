import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

@Injectable()
export class RefreshMetrics {
  readonly outcomes: Counter<'kind' | 'outcome'>;
  readonly sweepSeconds: Histogram;
  readonly credentialsByStatus: Gauge<'status'>;
  readonly oldestOverdueSeconds: Gauge;
  readonly requiredMintsPer5Min: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.outcomes = new Counter({
      name: 'broker_refresh_outcomes_total',
      help: 'Scheduled renewals and checks by credential kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.sweepSeconds = new Histogram({
      name: 'broker_refresh_sweep_duration_seconds',
      help: 'Duration of one sweep of this replica',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    });
    this.credentialsByStatus = new Gauge({
      name: 'broker_credentials',
      help: 'Credentials by status (all replicas; refreshed after each sweep)',
      labelNames: ['status'],
      registers,
    });
    this.oldestOverdueSeconds = new Gauge({
      name: 'broker_refresh_oldest_overdue_seconds',
      help: 'How long the most overdue credential has been waiting for the scheduler',
      registers,
    });
    this.requiredMintsPer5Min = new Gauge({
      name: 'broker_refresh_required_mints_per_5min',
      help: 'Token-endpoint calls per 5 minutes that keeping every scheduled credential fresh needs',
      registers,
    });
  }
}
