import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { prepared, queryPrepared } from '../database/prepared-statement.js';
import { AuditEventEntity, AuditOutcome } from './audit-event.entity.js';

/**
 * Appends a batch given as one JSON array of positional rows (see `appendBatch`):
 * `[at_ms, actor, action, tenant_id, target, outcome, request_id, details]`.
 */
const APPEND_BATCH = prepared(
  `INSERT INTO audit_events (at, actor, action, tenant_id, target, outcome, request_id, details)
   SELECT to_timestamp((e->>0)::bigint / 1000.0), e->>1, e->>2, e->>3, e->>4, e->>5, e->>6, e->7
   FROM jsonb_array_elements($1::jsonb) AS e`,
);

export interface NewAuditEvent {
  actor: string;
  action: string;
  tenantId: string | null;
  target: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  details: Record<string, unknown>;
  at: Date;
}

export interface AuditPageQuery {
  tenantId?: string | undefined;
  action?: string | undefined;
  limit: number;
  /** Only events older than this id (the cursor of the previous page). */
  before?: string | undefined;
}

@Injectable()
export class AuditRepository {
  private readonly repo: Repository<AuditEventEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditEventEntity);
  }

  /**
   * One INSERT for a whole batch (the unit of the audit group commit). The batch goes in as one JSON
   * document (one native JSON.stringify, where eight text arrays cost pg's per-element escaping in
   * JavaScript on the hot path), so the statement has one parameter however large the batch is. With
   * `em`, inside that transaction (an admin action's change, committed with its row). Otherwise (the
   * group commit, hundreds of times a second under token load) as a prepared statement straight on the
   * pool: PostgreSQL plans it once per connection, and TypeORM's query runner (a runner, its events and
   * logger checks per statement) is skipped. `npm run bench:audit` measures its cost by batch size.
   */
  async appendBatch(events: NewAuditEvent[], em?: EntityManager): Promise<void> {
    // Positional rows: field names were a third of the document's bytes, written and parsed per row.
    const rows = JSON.stringify(
      events.map((e) => [
        // Epoch milliseconds: a Date in JSON.stringify costs twice a whole row (measured).
        e.at.getTime(),
        e.actor,
        e.action,
        e.tenantId,
        e.target,
        e.outcome,
        e.requestId,
        e.details,
      ]),
    );
    if (em) await em.query(APPEND_BATCH.text, [rows]);
    else await queryPrepared(this.dataSource, APPEND_BATCH, [rows]);
  }

  async findPageNewestFirst(q: AuditPageQuery): Promise<AuditEventEntity[]> {
    const qb = this.repo.createQueryBuilder('e').orderBy('e.id', 'DESC').limit(q.limit);
    if (q.tenantId !== undefined) qb.andWhere('e.tenant_id = :tenantId', { tenantId: q.tenantId });
    if (q.action !== undefined) qb.andWhere('e.action = :action', { action: q.action });
    if (q.before !== undefined) qb.andWhere('e.id < :before', { before: q.before });
    return qb.getMany();
  }
}

/** An audit row another table's write carries with it (see `auditRowOfWrite`). */
export interface WriteAudit {
  actor: string;
  action: string;
  outcome: AuditOutcome;
  at: Date;
  details: Record<string, unknown>;
}

/**
 * The audit row of a write made by another repository's statement: a data-modifying CTE that inserts one
 * row per row the write returned (`written`, with `id` and `tenant_id`), so the two commit or fail
 * together in one round trip. `param` appends a value and answers its placeholder. Kept here so the
 * text that inserts audit rows lives in one file.
 */
export function auditRowOfWrite(written: string, audit: WriteAudit, param: (v: unknown) => string): string {
  return `INSERT INTO audit_events (at, actor, action, tenant_id, target, outcome, details)
           SELECT ${param(audit.at)}, ${param(audit.actor)}, ${param(audit.action)}, tenant_id, id::text,
                  ${param(audit.outcome)}, ${param(JSON.stringify(audit.details))}::jsonb FROM ${written}`;
}
