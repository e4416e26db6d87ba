import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/** The proxy's view for ops (design.md §11): answers by status class, Particle's latency, the stream hub. */
@Injectable()
export class ProxyMetrics {
  readonly requests: Counter<'status_class' | 'source'>;
  readonly upstreamSeconds: Histogram;
  readonly streams: Gauge;
  readonly subscribers: Gauge;
  readonly droppedSubscribers: Counter;

  constructor(metrics: MetricsService) {
    this.requests = new Counter({
      name: 'broker_proxy_requests_total',
      help: 'Proxied requests by status class (2xx ... 5xx) and by who answered (particle, or broker for its own refusals)',
      labelNames: ['status_class', 'source'],
      registers: [metrics.registry],
    });
    this.upstreamSeconds = new Histogram({
      name: 'broker_proxy_upstream_seconds',
      help: "Time from forwarding a request to Particle's response headers",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    });
    this.streams = new Gauge({
      name: 'broker_proxy_streams_open',
      help: 'Upstream event streams this replica holds open at Particle',
      registers: [metrics.registry],
    });
    this.subscribers = new Gauge({
      name: 'broker_proxy_stream_subscribers',
      help: "Callers subscribed to this replica's event streams",
      registers: [metrics.registry],
    });
    this.droppedSubscribers = new Counter({
      name: 'broker_proxy_stream_subscribers_dropped_total',
      help: 'Subscribers disconnected because they read too slowly',
      registers: [metrics.registry],
    });
  }
}
