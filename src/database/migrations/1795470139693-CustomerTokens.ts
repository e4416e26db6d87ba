import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CustomerTokens1795470139693 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNIQUE INDEX "ux_credentials_customer" ON "credentials"  ("tenant_id", "oauth_client_id", "scope") WHERE kind = 'client_credentials' AND scope IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."ux_credentials_customer"`);
  }
}
