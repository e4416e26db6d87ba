import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { requestFields } from '../logging/app-logger.js';
import { ByteCount } from './proxy-body.js';
import type { Exchange } from './proxy-exchange.js';
import { ProxyMetrics } from './proxy.metrics.js';
import { Subscriber } from './streams/upstream-stream.js';

/** `status_class` label values by the status's first digit, made once. */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * What the proxy leaves behind for each request once its answer has gone: the metrics, and the
 * `proxy.request` audit row (group-committed after the answer: it cannot hold back an answer that has
 * already streamed, so it may linger for company; see AuditService.recordAfterAnswer).
 */
@Injectable()
export class ProxyRecorder {
  private readonly logger = new Logger(ProxyRecorder.name);

  constructor(
    private readonly audit: AuditService,
    private readonly metrics: ProxyMetrics,
  ) {}

  /** Metrics for every answer; an audit row for every request whose caller was identified. */
  finished(request: FastifyRequest, reply: FastifyReply, exchange: Exchange | undefined): void {
    const status = reply.statusCode;
    const byBroker = request.problemCode !== undefined;
    this.metrics.requests.inc({
      status_class: STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`,
      source: byBroker ? 'broker' : 'particle',
    });
    if (!exchange) return;
    const { bytes } = exchange;
    // Built field by field: a conditional spread costs an object and a copy per request.
    const details: Record<string, unknown> = {
      method: request.method,
      path: exchange.path,
      status,
      upstream_status: byBroker ? null : exchange.upstreamStatus,
      // Since the request arrived, by the clock Fastify already read for it.
      duration_ms: Math.round(reply.elapsedTime),
      bytes: bytes instanceof ByteCount ? bytes.count : bytes instanceof Subscriber ? bytes.bytes : bytes,
      retried: exchange.retried,
    };
    if (byBroker) details.error = request.problemCode;
    // The catch below keeps only the id: a closure over the request would keep its whole graph (raw
    // request, reply, the upstream answer) alive while the row lingers (up to 10 ms, see recordAfterAnswer).
    const requestId = request.id;
    this.audit
      .recordAfterAnswer({
        actor: exchange.principal.actor,
        action: 'proxy.request',
        tenantId: exchange.tenantId,
        target: exchange.token?.credentialId ?? null,
        requestId,
        outcome: byBroker ? 'failure' : 'success',
        details,
      })
      // The answer has gone: a row that cannot be written is logged, the request is not undone.
      .catch((err: unknown) =>
        this.logger.error({
          ...requestFields(requestId),
          msg: 'proxy.request audit row not written',
          err: err instanceof Error ? { name: err.name } : {},
        }),
      );
  }
}
