import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ParticleEgressEntity } from './particle-egress.entity.js';

/** The mutable part of a `particle_egress` row, as the guard reasons about it. */
export interface EgressState {
  /** `[bucket start ms, calls]`, oldest first. */
  callBuckets: [number, number][];
  inFlightUntil: Date[];
  consecutiveFailures: number;
  openedAt: Date | null;
  retryAt: Date | null;
}

const EMPTY: EgressState = {
  callBuckets: [],
  inFlightUntil: [],
  consecutiveFailures: 0,
  openedAt: null,
  retryAt: null,
};

function stateOf(row: ParticleEgressEntity): EgressState {
  return {
    callBuckets: row.callBuckets,
    inFlightUntil: row.inFlightUntil,
    consecutiveFailures: row.consecutiveFailures,
    openedAt: row.openedAt,
    retryAt: row.retryAt,
  };
}

@Injectable()
export class ParticleEgressRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One short transaction: create the row if missing, lock it (`FOR UPDATE`, so every replica queues
   * here), let `decide` compute the next state, write it and commit. `decide` is synchronous on purpose:
   * nothing slow, and above all no HTTP call, may run while the row is locked.
   */
  async updateLocked<T>(
    id: string,
    now: Date,
    decide: (current: EgressState) => { next: EgressState; result: T },
  ): Promise<{ next: EgressState; result: T }> {
    return this.dataSource.transaction(async (em) => {
      const lock = () =>
        em
          .getRepository(ParticleEgressEntity)
          .createQueryBuilder('e')
          .setLock('pessimistic_write')
          .where('e.id = :id', { id })
          .getOne();
      // The row exists after the very first call: lock it straight away, create it only when missing.
      let row = await lock();
      if (!row) {
        await em
          .createQueryBuilder()
          .insert()
          .into(ParticleEgressEntity)
          .values({ id, updatedAt: now })
          .orIgnore()
          .execute();
        row = await lock();
        if (!row) throw new Error(`particle_egress row ${id} could not be created`);
      }
      const decided = decide(stateOf(row));
      const { callBuckets, inFlightUntil, consecutiveFailures, openedAt, retryAt } = decided.next;
      await em.update(
        ParticleEgressEntity,
        { id },
        { callBuckets, inFlightUntil, consecutiveFailures, openedAt, retryAt, updatedAt: now },
      );
      return decided;
    });
  }

  /** A plain read for reporting; a missing row is the state before any token call. */
  async find(id: string): Promise<EgressState> {
    const row = await this.dataSource.getRepository(ParticleEgressEntity).findOneBy({ id });
    return row ? stateOf(row) : { ...EMPTY };
  }
}
