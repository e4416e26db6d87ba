import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Token calls are also counted per tenant, so no tenant takes more than its share (design.md §9.1). */
export class EgressTenants1795480000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    // Calls already in the window count for no tenant: at worst one window in which shares are not enforced.
    await q.query(`ALTER TABLE "particle_egress" ADD "tenant_buckets" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "particle_egress" DROP COLUMN "tenant_buckets"`);
  }
}
