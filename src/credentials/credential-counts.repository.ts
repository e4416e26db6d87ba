import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Read-only counts over the `credentials` table for the sweep's gauges and budget warning; kept apart from
 * CredentialsRepository (the table's only writer) so that one stays about its write protocol.
 */
@Injectable()
export class CredentialCountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
}
