import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ParticleEgress1795469416691 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "particle_egress" ("id" text NOT NULL, "call_times" TIMESTAMP WITH TIME ZONE array NOT NULL DEFAULT '{}', "in_flight_until" TIMESTAMP WITH TIME ZONE array NOT NULL DEFAULT '{}', "consecutive_failures" integer NOT NULL DEFAULT '0', "opened_at" TIMESTAMP WITH TIME ZONE, "retry_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_849788a78abdf6105e71d779bfe" PRIMARY KEY ("id"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "particle_egress"`);
  }
}
