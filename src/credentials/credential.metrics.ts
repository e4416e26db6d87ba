import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

@Injectable()
export class CredentialMetrics {
  readonly renewals: Counter<'outcome'>;
  readonly renewalSeconds: Histogram;
  readonly fallbacks: Counter;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.renewals = new Counter({
      name: 'broker_token_renewals_total',
      help: 'Renewals made while a caller waited, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.renewalSeconds = new Histogram({
      name: 'broker_token_renewal_duration_seconds',
      help: "Time callers waited for a renewal (waiting for another's included)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'broker_oauth_client_fallback_total',
      help: 'Mints that needed the previous secret of a rotated OAuth client (alert: finish the rotation)',
      registers,
    });
  }
}
