import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The token budget is counted per 5-second bucket instead of one timestamp per call. */
export class EgressBuckets1795476014001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    // Calls of the last 5 minutes are forgotten: at worst one window's worth of extra budget, once.
    await q.query(`ALTER TABLE "particle_egress" DROP COLUMN "call_times"`);
    await q.query(`ALTER TABLE "particle_egress" ADD "call_buckets" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "particle_egress" DROP COLUMN "call_buckets"`);
    await q.query(
      `ALTER TABLE "particle_egress" ADD "call_times" TIMESTAMP WITH TIME ZONE array NOT NULL DEFAULT '{}'`,
    );
  }
}
