import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { prepared, queryPrepared } from '../database/prepared-statement.js';

export interface StreamOpenAsk {
  egressId: string;
  tenantId: string;
  slotId: string;
  owner: string;
  path: string;
  limit: number;
  openBudget: number;
  shareLimit: number;
  shareOpens: number;
  now: Date;
  leaseSeconds: number;
  windowSeconds: number;
}

export interface StreamOpenDecision {
  admitted: boolean;
  scope: 'tenant' | 'global' | null;
  retryAfterSeconds: number | null;
}

export interface StreamUsage {
  open: number;
  opensUsed: number;
  tenants: { tenantId: string; streams: number }[];
}

const OPEN = prepared(
  `SELECT admitted, scope, retry_after_seconds AS "retryAfterSeconds"
     FROM particle_stream_open($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
);

/** `particle_stream_slots` and `particle_stream_opens`: the event-stream limits of every replica together. */
@Injectable()
export class ParticleStreamSlotsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async open(a: StreamOpenAsk): Promise<StreamOpenDecision> {
    const rows = await queryPrepared<StreamOpenDecision>(this.dataSource, OPEN, [
      a.egressId,
      a.tenantId,
      a.slotId,
      a.owner,
      a.path,
      a.limit,
      a.openBudget,
      a.shareLimit,
      a.shareOpens,
      a.now,
      a.leaseSeconds,
      a.windowSeconds,
    ]);
    return rows[0] ?? { admitted: false, scope: 'global', retryAfterSeconds: 60 };
  }

  async renew(owner: string, ids: string[], leaseUntil: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE particle_stream_slots SET lease_until = $3 WHERE owner = $1 AND id = ANY($2::uuid[])`,
      [owner, ids, leaseUntil],
    );
  }

  async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`DELETE FROM particle_stream_slots WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async usage(egressId: string, now: Date, since: Date): Promise<StreamUsage> {
    const [slots, opens] = await Promise.all([
      this.dataSource.query<{ tenant_id: string; streams: number }[]>(
        `SELECT tenant_id, count(*)::int AS streams FROM particle_stream_slots
          WHERE egress_id = $1 AND lease_until > $2 GROUP BY tenant_id ORDER BY streams DESC, tenant_id`,
        [egressId, now],
      ),
      this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM particle_stream_opens WHERE egress_id = $1 AND admitted AND at > $2`,
        [egressId, since],
      ),
    ]);
    const tenants = slots.map((r) => ({ tenantId: r.tenant_id, streams: r.streams }));
    return { open: tenants.reduce((n, t) => n + t.streams, 0), opensUsed: opens[0]?.n ?? 0, tenants };
  }
}
