import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ManagedClients1795472349303 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_client_secrets" ADD "management_credential_id" uuid`);
    await q.query(`ALTER TABLE "oauth_client_secrets" ADD "particle_delete_after" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "oauth_client_secrets" ADD "particle_deleted_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_client_secrets" DROP COLUMN "particle_deleted_at"`);
    await q.query(`ALTER TABLE "oauth_client_secrets" DROP COLUMN "particle_delete_after"`);
    await q.query(`ALTER TABLE "oauth_client_secrets" DROP COLUMN "management_credential_id"`);
  }
}
