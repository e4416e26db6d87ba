import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { redactDeep } from '../logging/redaction.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditOutcome } from './audit-event.entity.js';
import { AuditPageQuery, AuditRepository, NewAuditEvent } from './audit.repository.js';
import { AuditEventView } from './audit.dto.js';

export interface AuditRecord {
  actor: string;
  action: string;
  outcome: AuditOutcome;
  tenantId?: string | null | undefined;
  target?: string | null | undefined;
  requestId?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
}

interface Pending {
  event: NewAuditEvent;
  /** A caller waits for this row before it answers (`record`), rather than after (`recordAfterAnswer`). */
  awaited: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Bounds the size of one statement; a burst larger than this simply takes several inserts. */
const MAX_BATCH = 2000;
/**
 * INSERTs in flight at once. One keeps batches largest; four were measured to give no more throughput on
 * the token bench (the audit is not its bottleneck), so the simplest setting stays.
 */
const MAX_IN_FLIGHT = 1;
/**
 * How long a row no caller waits for (`recordAfterAnswer`) may wait for others before it is written. Each
 * INSERT costs PostgreSQL ~140 µs of CPU however few its rows (plus 5-8 µs a row), and the broker ~70 µs
 * (`npm run bench:audit`): at the proxy's ~9k requests a second, written at once, rows went ~40 to an
 * INSERT; lingering, 150-170. An awaited row never lingers and takes lingering ones along.
 */
const LINGER_MS = 10;
/** Lingering rows are written at once when this many are waiting. */
const LINGER_MAX_ROWS = 200;

/**
 * Appends audit events with group commit: while INSERTs are in flight (up to MAX_IN_FLIGHT), new events
 * wait in a queue and the next INSERT takes them all. Each caller's promise settles only once its own row
 * is durable, so a request never completes without its audit row, yet N concurrent requests cost far
 * fewer than N statements.
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private queue: Pending[] = [];
  private inFlight = 0;
  /** Rows of `queue` a caller waits for: while there is one, the queue is written without lingering. */
  private awaitedQueued = 0;
  private lingering: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Shutting down: nothing lingers any more. */
  private closing = false;

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  record(r: AuditRecord): Promise<void> {
    const event = this.eventOf(r);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, awaited: true, resolve, reject });
      this.awaitedQueued++;
      if (this.inFlight < MAX_IN_FLIGHT) this.startFlush();
    });
  }

  /**
   * A row for a request that has already been answered (a proxied request's: its answer streamed before
   * the row could be written). Group-committed like `record`'s, but it may wait up to LINGER_MS for
   * company, since no caller waits for it; a crash loses at most those milliseconds of such rows, which
   * the answer having gone first already allowed. Settles once the row is written (or could not be).
   */
  recordAfterAnswer(r: AuditRecord): Promise<void> {
    const event = this.eventOf(r);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, awaited: false, resolve, reject });
      if (this.inFlight > 0) return; // the running flush takes it
      if (this.mustWriteNow()) this.startFlush();
      else this.linger();
    });
  }

  /** Writes what is queued, lingering rows too, before the database goes (its module shuts down later). */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  /**
   * Appends one row inside the caller's transaction (`em`), outside the group commit: an admin action's
   * change and its row must commit or roll back together (design.md §5.10), and admin actions are rare.
   */
  async appendInTransaction(em: EntityManager, r: AuditRecord): Promise<void> {
    await this.repository.appendBatch([this.eventOf(r)], em);
    this.countAppendedElsewhere(1);
  }

  private eventOf(r: AuditRecord): NewAuditEvent {
    return {
      actor: r.actor,
      action: r.action,
      outcome: r.outcome,
      tenantId: r.tenantId ?? null,
      target: r.target ?? null,
      requestId: r.requestId ?? null,
      // Defence in depth: callers pass no secrets, and any field named like one is blanked anyway.
      details: (r.details ? redactDeep(r.details) : {}) as Record<string, unknown>,
      at: this.clock.now(),
    };
  }

  /** Counts rows another statement appended with its own write (a renewal's), so the metrics stay whole. */
  countAppendedElsewhere(events: number): void {
    this.metrics.auditEvents.inc(events);
  }

  /** Whether the queue goes now: a caller waits for a row of it, it is full enough, or we are closing. */
  private mustWriteNow(): boolean {
    return this.closing || this.awaitedQueued > 0 || this.queue.length >= LINGER_MAX_ROWS;
  }

  private linger(): void {
    this.lingering ??= setTimeout(() => this.startFlush(), LINGER_MS);
  }

  private startFlush(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    const flushing = this.flush().finally(() => {
      if (this.flushing === flushing) this.flushing = undefined;
    });
    this.flushing = flushing;
  }

  private async flush(): Promise<void> {
    this.inFlight++;
    try {
      // Rows that came while an INSERT ran are written next at once if a caller waits for one of them,
      // else they linger like any row nobody waits for.
      for (let first = true; this.queue.length > 0; first = false) {
        if (!first && !this.mustWriteNow()) {
          this.linger();
          break;
        }
        const batch = this.queue.splice(0, MAX_BATCH);
        for (const p of batch) if (p.awaited) this.awaitedQueued--;
        try {
          await this.repository.appendBatch(batch.map((p) => p.event));
          this.metrics.auditInserts.inc();
          this.metrics.auditEvents.inc(batch.length);
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.inFlight--;
    }
  }

  async page(q: AuditPageQuery): Promise<{ items: AuditEventView[]; next_before: string | null }> {
    const rows = await this.repository.findPageNewestFirst(q);
    const items = rows.map((e) => ({
      id: e.id,
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      tenant_id: e.tenantId,
      target: e.target,
      outcome: e.outcome,
      request_id: e.requestId,
      details: e.details,
    }));
    const last = items.at(-1);
    return { items, next_before: items.length === q.limit && last ? last.id : null };
  }
}
