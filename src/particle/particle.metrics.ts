import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/** Which Particle endpoint a request went to; a fixed set, so label cardinality stays small. */
export type ParticleEndpoint = 'token' | 'current' | 'revoke' | 'clients';

/** Tenants given their own `tenant` label value; any other is counted as `other`. */
const NAMED_TENANTS = 20;

/** Particle traffic and the state of the token-endpoint guard, on the app's own registry. */
@Injectable()
export class ParticleMetrics {
  private readonly requests: Counter<'endpoint' | 'outcome'>;
  private readonly tenantCalls: Counter<'tenant'>;
  private readonly refusals: Counter<'budget' | 'scope'>;
  /**
   * Tenants named in `broker_egress_token_calls_total`: those that reached their share of a window, the
   * ones worth watching, up to NAMED_TENANTS per process, so the series stay few whatever the tenants.
   */
  private readonly named = new Set<string>();
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
    this.tenantCalls = new Counter({
      name: 'broker_egress_token_calls_total',
      help: `Token calls admitted per tenant: tenants that reached their share get their own label (at most ${NAMED_TENANTS}), the rest count as "other"`,
      labelNames: ['tenant'] as const,
      registers,
    });
    this.refusals = new Counter({
      name: 'broker_egress_refusals_total',
      help: 'Calls refused locally for a spent budget: scope "global" (the egress-wide budget) or "tenant" (a tenant past its share)',
      labelNames: ['budget', 'scope'] as const,
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

  /** An admitted token call; `windowCalls`: its tenant's calls in the window, `share`: its share in calls. */
  observeTenantCall(tenantId: string | null, windowCalls: number, share: number): void {
    if (tenantId === null) return;
    if (windowCalls >= share && this.named.size < NAMED_TENANTS) this.named.add(tenantId);
    this.tenantCalls.inc({ tenant: this.named.has(tenantId) ? tenantId : 'other' });
  }

  observeRefusal(budget: 'token', scope: 'global' | 'tenant'): void {
    this.refusals.inc({ budget, scope });
  }
}
