import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditEventEntity, AuditOutcome } from './audit-event.entity.js';

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
   * One INSERT for a whole batch (the unit of the audit group commit). Columns go in as arrays through
   * unnest, so the statement has eight parameters however large the batch is.
   */
  async appendBatch(events: NewAuditEvent[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit_events (at, actor, action, tenant_id, target, outcome, request_id, details)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::jsonb[])`,
      [
        events.map((e) => e.at.toISOString()),
        events.map((e) => e.actor),
        events.map((e) => e.action),
        events.map((e) => e.tenantId),
        events.map((e) => e.target),
        events.map((e) => e.outcome),
        events.map((e) => e.requestId),
        events.map((e) => JSON.stringify(e.details)),
      ],
    );
  }

  async findPageNewestFirst(q: AuditPageQuery): Promise<AuditEventEntity[]> {
    const qb = this.repo.createQueryBuilder('e').orderBy('e.id', 'DESC').limit(q.limit);
    if (q.tenantId !== undefined) qb.andWhere('e.tenant_id = :tenantId', { tenantId: q.tenantId });
    if (q.action !== undefined) qb.andWhere('e.action = :action', { action: q.action });
    if (q.before !== undefined) qb.andWhere('e.id < :before', { before: q.before });
    return qb.getMany();
  }
}
