import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SweepResult } from './refresh-scheduler.service.js';

export interface LastSweep extends SweepResult {
  at: Date;
  owner: string;
}

/** $1 at, $2..$5 the counts, $6 the replica: replaces the row unless a later sweep already wrote it. */
const RECORD = `INSERT INTO refresh_sweep_last (id, at, claimed, renewed, failed, skipped, owner)
  VALUES (1, $1, $2, $3, $4, $5, $6)
  ON CONFLICT (id) DO UPDATE SET at = excluded.at, claimed = excluded.claimed, renewed = excluded.renewed,
    failed = excluded.failed, skipped = excluded.skipped, owner = excluded.owner
  WHERE refresh_sweep_last.at <= excluded.at`;

/** The one row of `refresh_sweep_last`: the latest finished sweep of any replica. */
@Injectable()
export class RefreshSweepsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recordFinished(result: SweepResult, at: Date, owner: string): Promise<void> {
    await this.dataSource.query(RECORD, [
      at.toISOString(),
      result.claimed,
      result.renewed,
      result.failed,
      result.skipped,
      owner,
    ]);
  }

  async findLast(): Promise<LastSweep | undefined> {
    const rows = await this.dataSource.query<LastSweep[]>(
      'SELECT at, claimed, renewed, failed, skipped, owner FROM refresh_sweep_last WHERE id = 1',
    );
    return rows[0];
  }
}
