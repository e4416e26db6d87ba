import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { prepared, PreparedStatement, queryPrepared } from '../database/prepared-statement.js';
import { ADMIT, CREATE, READ, recordStatement, Refusal, RESET } from './particle-egress.statements.js';

// Every token call sends two of these; prepared, they are planned once per connection.
const ADMIT_PREPARED = prepared(ADMIT);
const RECORD_SUCCESS = prepared(recordStatement(true));
const RECORD_FAILURE = prepared(recordStatement(false));
const RESET_PREPARED = prepared(RESET);

/** What every decision needs besides the row: the clock and the policy, fixed by the guard. */
export interface EgressContext {
  id: string;
  now: Date;
  /** Newest bucket start (ms) that has left the budget window. */
  windowEndedAfter: number;
  threshold: number;
}

/** The row after a decision, for the metrics. */
export interface EgressAfter {
  calls: number;
  open: boolean;
}

export interface AdmitResult extends EgressAfter {
  refusal: Refusal | null;
  /** While open: no call before this instant. */
  retryAt: Date | null;
  /** Start (ms) of the oldest bucket in the window, when any. */
  oldest: number | null;
  probe: boolean;
  /** The admission's sequence number (meaningful when admitted); its outcome is recorded with it. */
  seq: string;
  /** Start (ms) of the oldest bucket holding a call of the caller's tenant, when any. */
  tenantOldest: number | null;
  /** The caller's tenant's calls in the window, this one included when admitted. */
  tenantCalls: number;
}

/** What ADMIT decides on besides the row: the call, and the limits the guard derives from the config. */
export interface AdmitCall {
  budget: number;
  /** Calls in the window past which on-demand calls are refused: the rest is the scheduled reserve. */
  onDemandLimit: number;
  /** A tenant's share of the budget, in calls. */
  tenantLimit: number;
  tenantId: string | null;
  scheduled: boolean;
  leaseUntil: Date;
  bucket: number;
  succeeded: AdmittedCall | null;
}

/** One tenant's token calls in the current window. */
export interface TenantCalls {
  tenantId: string;
  calls: number;
}

/** An admitted call, as its outcome is recorded. */
export interface AdmittedCall {
  leaseUntil: Date;
  seq: string;
}

export interface EgressReading {
  calls: number;
  consecutiveFailures: number;
  openedAt: Date | null;
  retryAt: Date | null;
  probing: boolean;
  /** Start (ms) of the oldest bucket in the window, when any. */
  oldest: number | null;
  /** Every tenant that asked in the window, busiest first. */
  tenants: TenantCalls[];
}

interface AdmitRow {
  refusal: Refusal | null;
  retryAt: Date | null;
  oldest: string | null;
  probe: boolean;
  calls: number;
  open: boolean;
  seq: string;
  tenantOldest: string | null;
  tenantCalls: number;
}

/**
 * The `particle_egress` row, shared by every replica behind one egress IP. Every decision is one
 * statement (particle-egress.statements.ts): one round trip, the row locked only while the server
 * runs and commits it.
 */
@Injectable()
export class ParticleEgressRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `succeeded`: the caller's previous call, recorded as a success first (ADMIT's $8 and $9). */
  async admit(c: EgressContext, call: AdmitCall): Promise<AdmitResult> {
    const row = await this.decide<AdmitRow>(c, ADMIT_PREPARED, [
      call.budget,
      call.leaseUntil,
      call.bucket,
      call.succeeded?.leaseUntil ?? null,
      call.succeeded?.seq ?? null,
      call.tenantId,
      call.scheduled,
      call.onDemandLimit,
      call.tenantLimit,
    ]);
    return { ...row, oldest: msOf(row.oldest), tenantOldest: msOf(row.tenantOldest) };
  }

  async recordOutcome(c: EgressContext, success: boolean, call: AdmittedCall): Promise<EgressAfter> {
    return this.decide<EgressAfter>(c, success ? RECORD_SUCCESS : RECORD_FAILURE, [
      success,
      call.leaseUntil,
      call.seq,
    ]);
  }

  /**
   * `also` (an admin's audit row) commits with the reset: then it runs as a plain transaction, since a
   * reset is rare and the prepared statements run outside any transaction, on the pool.
   */
  async reset(c: EgressContext, also?: (em: EntityManager) => Promise<void>): Promise<EgressAfter> {
    if (!also) return this.decide<EgressAfter>(c, RESET_PREPARED, []);
    return this.dataSource.transaction(async (em) => {
      let [row] = await em.query<EgressAfter[]>(RESET, this.common(c));
      if (!row) {
        await em.query(CREATE, [c.id, c.now]);
        [row] = await em.query<EgressAfter[]>(RESET, this.common(c));
        if (!row) throw new Error(`particle_egress row ${c.id} could not be created`);
      }
      await also(em);
      return row;
    });
  }

  /** A plain read for reporting; a missing row is the state before any token call. */
  async read(c: EgressContext): Promise<EgressReading> {
    const [row] = await this.dataSource.query<
      {
        calls: number;
        failures: number;
        openedAt: Date | null;
        retryAt: Date | null;
        probing: boolean;
        oldest: string | null;
        tenants: [string, number][];
      }[]
    >(READ, this.common(c));
    if (!row) {
      return {
        calls: 0,
        consecutiveFailures: 0,
        openedAt: null,
        retryAt: null,
        probing: false,
        oldest: null,
        tenants: [],
      };
    }
    const { failures, oldest, tenants, ...rest } = row;
    return {
      ...rest,
      consecutiveFailures: failures,
      oldest: msOf(oldest),
      tenants: tenants.map(([tenantId, calls]) => ({ tenantId, calls })),
    };
  }

  /**
   * Runs a decision; the row exists after the very first call, so it is created only when a statement
   * finds nothing (then the statement runs again: the creation changed nothing it decides on).
   */
  private async decide<T extends object>(
    c: EgressContext,
    statement: PreparedStatement,
    extra: unknown[],
  ): Promise<T> {
    const params = [...this.common(c), ...extra];
    let [row] = await queryPrepared<T>(this.dataSource, statement, params);
    if (!row) {
      await this.dataSource.query(CREATE, [c.id, c.now]);
      [row] = await queryPrepared<T>(this.dataSource, statement, params);
      if (!row) throw new Error(`particle_egress row ${c.id} could not be created`);
    }
    return row;
  }

  private common(c: EgressContext): unknown[] {
    return [c.id, c.now, c.windowEndedAfter, c.threshold];
  }
}

/** Bucket starts are bigint, which the driver hands over as text. */
function msOf(value: string | null): number | null {
  return value === null ? null : Number(value);
}
