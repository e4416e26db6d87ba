import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { prepared, queryPrepared } from '../database/prepared-statement.js';

export interface Reservation {
  granted: number;
  /** Why nothing was granted: the tenant is past its share while others ask, or the budget is spent. */
  scope: 'tenant' | 'global' | null;
  retryAfterSeconds: number | null;
}

export interface ReservationAsk {
  egressId: string;
  tenantId: string;
  want: number;
  budget: number;
  share: number;
  now: Date;
  windowSeconds: number;
  bucketSeconds: number;
}

export interface ApiUsage {
  used: number;
  tenants: { tenantId: string; calls: number }[];
}

const RESERVE = prepared(
  `SELECT granted, scope, retry_after_seconds AS "retryAfterSeconds"
     FROM particle_api_reserve($1, $2, $3, $4, $5, $6, $7, $8)`,
);

/** The `particle_api_calls` table: proxied calls per tenant and bucket, all replicas together. */
@Injectable()
export class ParticleApiCallsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Decides a reservation in one round trip (the function locks the egress, migration ParticleApiBudget). */
  async reserve(a: ReservationAsk): Promise<Reservation> {
    const rows = await queryPrepared<Reservation>(this.dataSource, RESERVE, [
      a.egressId,
      a.tenantId,
      a.want,
      a.budget,
      a.share,
      a.now,
      a.windowSeconds,
      a.bucketSeconds,
    ]);
    return rows[0] ?? { granted: 0, scope: 'global', retryAfterSeconds: 1 };
  }

  /** Calls reserved in the window as of `firstBucket`, the busiest tenants first (for GET /v1/admin/egress). */
  async usage(egressId: string, firstBucket: number): Promise<ApiUsage> {
    const rows = await this.dataSource.query<{ tenant_id: string; calls: number }[]>(
      `SELECT tenant_id, sum(calls)::int AS calls FROM particle_api_calls
        WHERE egress_id = $1 AND bucket >= $2 GROUP BY tenant_id ORDER BY calls DESC, tenant_id`,
      [egressId, firstBucket],
    );
    const tenants = rows.map((r) => ({ tenantId: r.tenant_id, calls: r.calls }));
    return { used: tenants.reduce((sum, t) => sum + t.calls, 0), tenants };
  }
}
