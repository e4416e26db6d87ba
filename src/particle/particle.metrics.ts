import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/** Which Particle endpoint a request went to; a fixed set, so label cardinality stays small. */
export type ParticleEndpoint = 'token' | 'current' | 'revoke' | 'clients';

/** Particle traffic and the state of the token-endpoint guard, on the app's own registry. */
@Injectable()
export class ParticleMetrics {
  private readonly requests: Counter<'endpoint' | 'outcome'>;
  private readonly duration: Histogram<'endpoint'>;
  private readonly budgetRemaining: Gauge;
  private readonly breakerOpen: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'broker_particle_requests_total',
      help: 'Requests to Particle by endpoint and outcome (`ok` or the error kind, incl. local refusals)',
      labelNames: ['endpoint', 'outcome'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'broker_particle_request_duration_seconds',
      help: 'Duration of HTTP requests to Particle by endpoint',
      labelNames: ['endpoint'] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.budgetRemaining = new Gauge({
      name: 'broker_particle_token_budget_remaining',
      help: 'Token-endpoint calls left in the current 5-minute window, as of this replica’s last guard write',
      registers,
    });
    this.breakerOpen = new Gauge({
      name: 'broker_particle_breaker_open',
      help: '1 while the token-endpoint failure breaker is open (incl. half-open), else 0',
      registers,
    });
  }

  /** `seconds` is undefined for calls refused locally, which never went out. */
  observeRequest(endpoint: ParticleEndpoint, outcome: string, seconds?: number): void {
    this.requests.inc({ endpoint, outcome });
    if (seconds !== undefined) this.duration.observe({ endpoint }, seconds);
  }

  observeEgress(budgetRemaining: number, breakerOpen: boolean): void {
    this.budgetRemaining.set(budgetRemaining);
    this.breakerOpen.set(breakerOpen ? 1 : 0);
  }
}
