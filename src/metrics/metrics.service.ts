import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One registry per app instance (not prom-client's global one), so several instances in one process,
 * as the tests run them, do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'broker_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  readonly apiRequests = new Counter({
    name: 'broker_api_requests_total',
    help: 'API requests by route template and outcome (`ok` or the problem code)',
    labelNames: ['method', 'route', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly auditInserts = new Counter({
    name: 'broker_audit_insert_statements_total',
    help: 'INSERT statements written by the audit group commit',
    registers: [this.registry],
  });

  readonly auditEvents = new Counter({
    name: 'broker_audit_events_total',
    help: 'Audit events written',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observeHttp(method: string, route: string, statusCode: number, seconds: number, outcome: string): void {
    this.httpDuration.observe({ method, route, status: `${Math.floor(statusCode / 100)}xx` }, seconds);
    this.apiRequests.inc({ method, route, outcome });
  }
}
