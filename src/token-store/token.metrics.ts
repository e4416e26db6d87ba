import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

@Injectable()
export class TokenMetrics {
  readonly issued: Counter<'outcome' | 'source'>;

  constructor(metrics: MetricsService) {
    this.issued = new Counter({
      name: 'broker_tokens_issued_total',
      help: 'Token requests by outcome (ok or problem code) and source (cache, database, renewed)',
      labelNames: ['outcome', 'source'],
      registers: [metrics.registry],
    });
  }
}
