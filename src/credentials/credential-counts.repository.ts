import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { CredentialEntity, CredentialKind, CredentialStatus } from './credential.entity.js';

/** A credential that needs ops' attention, with what its OAuth client says about it. */
export interface AtRiskRow {
  id: string;
  tenantId: string;
  kind: CredentialKind;
  status: CredentialStatus;
  lastError: string | null;
  statusSince: Date;
  accessExpiresAt: Date | null;
  clientInvalid: boolean;
}

export interface CredentialFilter {
  status?: CredentialStatus | undefined;
  kind?: CredentialKind | undefined;
  tenantId?: string | undefined;
}

/**
 * Most urgent first: a credential that needs a person serves nothing until one acts; a failing one is
 * retried on its own; an expiring one still works. Within a status, the one whose token runs out first.
 */
const AT_RISK = `SELECT c.id, c.tenant_id AS "tenantId", c.kind, c.status, c.last_error AS "lastError",
         c.status_since AS "statusSince", c.access_expires_at AS "accessExpiresAt",
         coalesce(o.status = 'invalid', false) AS "clientInvalid"
    FROM credentials c LEFT JOIN oauth_clients o ON o.id = c.oauth_client_id
   WHERE c.status IN ('needs_reauth', 'failing', 'expiring')
   ORDER BY CASE c.status WHEN 'needs_reauth' THEN 0 WHEN 'failing' THEN 1 ELSE 2 END,
            c.access_expires_at ASC NULLS LAST, c.status_since ASC, c.id`;

/**
 * Read-only queries over the `credentials` table for the sweep's gauges and ops' views (counts, the
 * at-risk list, the list across tenants); kept apart from CredentialsRepository (the table's only writer)
 * so that one stays about its write protocol.
 */
@Injectable()
export class CredentialCountsRepository {
  private readonly repo: Repository<CredentialEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(CredentialEntity);
  }

  async countByStatus(): Promise<{ status: string; n: number }[]> {
    const rows = await this.dataSource.query<{ status: string; n: string }[]>(
      'SELECT status, count(*) AS n FROM credentials GROUP BY status',
    );
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }

  /** Seconds the most overdue credential has been waiting (0 when none is due). */
  async oldestOverdueSeconds(now: Date): Promise<number> {
    const rows = await this.dataSource.query<{ s: string | null }[]>(
      `SELECT EXTRACT(EPOCH FROM ($1::timestamptz - min(next_attempt_at))) AS s
         FROM credentials WHERE next_attempt_at <= $1 AND status <> 'revoked'`,
      [now.toISOString()],
    );
    return Math.max(0, Number(rows[0]?.s ?? 0));
  }

  /** Renewable credentials the scheduler keeps fresh, to compare the mint rate they need with the budget. */
  async countScheduledRenewable(): Promise<number> {
    const rows = await this.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM credentials
        WHERE kind IN ('client_credentials', 'authorization_code') AND next_attempt_at IS NOT NULL
          AND status NOT IN ('revoked', 'needs_reauth')`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  listAtRisk(): Promise<AtRiskRow[]> {
    return this.dataSource.query<AtRiskRow[]>(AT_RISK);
  }

  /** Keyset page in id order: rows after `after` (an id), `limit` of them, whatever was added meanwhile. */
  pageAcrossTenants(filter: CredentialFilter, limit: number, after?: string): Promise<CredentialEntity[]> {
    const qb = this.repo.createQueryBuilder('c').orderBy('c.id', 'ASC').limit(limit);
    if (filter.status !== undefined) qb.andWhere('c.status = :status', { status: filter.status });
    if (filter.kind !== undefined) qb.andWhere('c.kind = :kind', { kind: filter.kind });
    if (filter.tenantId !== undefined) qb.andWhere('c.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (after !== undefined) qb.andWhere('c.id > :after', { after });
    return qb.getMany();
  }
}
