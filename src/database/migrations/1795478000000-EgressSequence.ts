import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Consecutive failures are kept as the sequence numbers of the failures, so a success clears only older ones. */
export class EgressSequence1795478000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "particle_egress" ADD "seq" bigint NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "particle_egress" ADD "failure_seqs" bigint array NOT NULL DEFAULT '{}'`);
    // Failures counted so far stay counted: no permit in flight carries a sequence number yet.
    await q.query(
      `UPDATE "particle_egress" SET "seq" = "consecutive_failures",
              "failure_seqs" = ARRAY(SELECT generate_series(1, "consecutive_failures")::bigint)`,
    );
    await q.query(`ALTER TABLE "particle_egress" DROP COLUMN "consecutive_failures"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "particle_egress" ADD "consecutive_failures" integer NOT NULL DEFAULT '0'`);
    await q.query(`UPDATE "particle_egress" SET "consecutive_failures" = cardinality("failure_seqs")`);
    await q.query(`ALTER TABLE "particle_egress" DROP COLUMN "failure_seqs"`);
    await q.query(`ALTER TABLE "particle_egress" DROP COLUMN "seq"`);
  }
}
