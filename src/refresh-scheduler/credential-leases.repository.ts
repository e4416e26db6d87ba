import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { prepared, queryPrepared } from '../database/prepared-statement.js';
import { CredentialEntity } from '../token-store/credential.entity.js';
import { CREDENTIAL_CHANNEL } from '../token-store/credential-changes.listener.js';
import {
  failureColumns,
  FailureUpdate,
  renewedColumns,
  RenewedTokens,
} from '../token-store/credentials.repository.js';

/** An audit row written by the same statement as a credential, so the two commit (or not) together. */
export interface WriteAudit {
  actor: string;
  action: string;
  outcome: 'success' | 'failure';
  at: Date;
  details: Record<string, unknown>;
}

export interface Lease {
  owner: string;
  /** The version the credential had when claimed: a write succeeds only if nobody wrote since. */
  version: number;
}

/**
 * The scheduler's view of the credentials table: claiming due rows with a lease, and writing results
 * only while the lease and the version still hold, so a replica whose lease expired can never
 * overwrite a newer token.
 */
@Injectable()
export class CredentialLeasesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims up to `limit` due credentials. SKIP LOCKED lets replicas claim disjoint rows at once; the lease
   * columns keep them claimed after this short transaction commits (and let them be reclaimed when a
   * replica dies mid-renewal and its lease runs out).
   */
  async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<CredentialEntity[]> {
    const rows = await this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set({ leaseOwner: owner, leaseUntil })
      .where(
        `id IN (SELECT id FROM credentials
                 WHERE next_attempt_at <= :now AND status <> 'revoked'
                   AND (lease_until IS NULL OR lease_until < :now)
                 ORDER BY next_attempt_at
                 LIMIT :limit
                 FOR UPDATE SKIP LOCKED)`,
        { now, limit },
      )
      .returning('id')
      .execute();
    const ids = (rows.raw as { id: string }[]).map((r) => r.id);
    if (ids.length === 0) return [];
    // Only rows still under this claim: were this replica frozen between the two statements, others may
    // have taken the rows over and renewed them, and a row read without its lease would look unclaimed
    // and be renewed again (the chaos SIGSTOP test caught exactly that).
    return this.dataSource
      .getRepository(CredentialEntity)
      .createQueryBuilder('c')
      .where('c.id IN (:...ids) AND c.lease_owner = :owner AND c.lease_until = :leaseUntil', {
        ids,
        owner,
        leaseUntil,
      })
      .orderBy('c.next_attempt_at', 'ASC')
      .getMany();
  }

  /**
   * The new tokens and their audit row in one statement: a renewal is the sweep's most frequent write,
   * and a separate audit INSERT per renewal was measured at about a tenth of a lane's time.
   */
  async saveRenewedIfLeased(
    c: CredentialEntity,
    lease: Lease,
    tokens: RenewedTokens,
    audit: WriteAudit,
  ): Promise<boolean> {
    return this.writeIfLeased(c, lease, renewedColumns(tokens, lease.version), true, audit);
  }

  async saveFailureIfLeased(c: CredentialEntity, lease: Lease, failure: FailureUpdate): Promise<boolean> {
    return this.writeIfLeased(c, lease, failureColumns(failure, c.failureCount));
  }

  /** A checked non-renewable token: new expiry and status, no new token. */
  async saveCheckedIfLeased(
    c: CredentialEntity,
    lease: Lease,
    update: { accessExpiresAt: Date | null; status: 'active' | 'expiring'; nextAttemptAt: Date | null },
  ): Promise<boolean> {
    return this.writeIfLeased(c, lease, {
      ...update,
      failureCount: 0,
      lastError: null,
      leaseOwner: null,
      leaseUntil: null,
    });
  }

  /** Gives a claimed credential back untouched, to be looked at again at `nextAttemptAt`. */
  async release(c: CredentialEntity, lease: Lease, nextAttemptAt: Date): Promise<boolean> {
    return this.writeIfLeased(c, lease, { leaseOwner: null, leaseUntil: null, nextAttemptAt }, false);
  }

  /** At shutdown: everything this replica still holds goes back at once, not when the leases expire. */
  async releaseAllOwnedBy(owner: string): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set({ leaseOwner: null, leaseUntil: null })
      .where('lease_owner = :owner', { owner })
      .execute();
    return result.affected ?? 0;
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

  /**
   * One statement, so one round trip: the write only if the lease and the version still hold, and the
   * notification (delivered at commit, like `notifyChanged`) and the audit row only if it wrote.
   */
  private async writeIfLeased(
    c: CredentialEntity,
    lease: Lease,
    columns: Partial<CredentialEntity>,
    notify = true,
    audit?: WriteAudit,
  ): Promise<boolean> {
    const [update, params]: [string, unknown[]] = this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set(columns)
      .where('id = :id AND lease_owner = :owner AND version = :version', {
        id: c.id,
        owner: lease.owner,
        version: lease.version,
      })
      .getQueryAndParameters();
    const values = [...params];
    const param = (v: unknown): string => `$${values.push(v)}`;
    const then = notify ? `pg_notify(${param(CREDENTIAL_CHANNEL)}, tenant_id)` : 'true';
    // A data-modifying CTE runs whether or not the outer query reads it; FROM written keeps it conditional.
    const audited = audit
      ? `, audited AS (INSERT INTO audit_events (at, actor, action, tenant_id, target, outcome, details)
           SELECT ${param(audit.at)}, ${param(audit.actor)}, ${param(audit.action)}, tenant_id, id::text,
                  ${param(audit.outcome)}, ${param(JSON.stringify(audit.details))}::jsonb FROM written)`
      : '';
    // One text per column set, so a handful of shapes in all: each is planned once per connection.
    const rows = await queryPrepared<object>(
      this.dataSource,
      prepared(`WITH written AS (${update} RETURNING id, tenant_id)${audited} SELECT ${then} FROM written`),
      values,
    );
    return rows.length > 0;
  }
}
