import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Credentials1795469814599 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "connect_sessions" ("id" uuid NOT NULL, "link_hash" bytea NOT NULL, "tenant_id" text NOT NULL, "oauth_client_id" text NOT NULL, "return_to" text, "state_hash" bytea, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "opened_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, "outcome" text, "credential_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_982053319b186a5483cb7be9321" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "ux_connect_sessions_link" ON "connect_sessions"  ("link_hash") `);
    await q.query(`CREATE UNIQUE INDEX "ux_connect_sessions_state" ON "connect_sessions"  ("state_hash") `);
    await q.query(
      `CREATE TABLE "mfa_challenges" ("id" uuid NOT NULL, "tenant_id" text NOT NULL, "oauth_client_id" text, "username" text NOT NULL, "mfa_token_sealed" text NOT NULL, "requested_expires_in" integer, "attempts_left" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_25d85a6da62620267e003fb4da4" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "credentials" ("id" uuid NOT NULL, "tenant_id" text NOT NULL, "kind" text NOT NULL, "oauth_client_id" text, "issuer_client_id" text, "scope" text, "username" text, "access_token_sealed" text, "refresh_token_sealed" text, "access_expires_at" TIMESTAMP WITH TIME ZONE, "refresh_expires_at" TIMESTAMP WITH TIME ZONE, "status" text NOT NULL DEFAULT 'active', "failure_count" integer NOT NULL DEFAULT '0', "last_error" text, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "last_renewed_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL DEFAULT '1', "lease_owner" text, "lease_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1e38bc43be6697cdda548ad27a6" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "ix_credentials_due" ON "credentials"  ("next_attempt_at") `);
    await q.query(`CREATE INDEX "ix_credentials_tenant" ON "credentials"  ("tenant_id", "kind") `);
    await q.query(
      `ALTER TABLE "connect_sessions" ADD CONSTRAINT "fk_connect_sessions_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "connect_sessions" ADD CONSTRAINT "fk_connect_sessions_oauth_client" FOREIGN KEY ("oauth_client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "mfa_challenges" ADD CONSTRAINT "fk_mfa_challenges_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "credentials" ADD CONSTRAINT "fk_credentials_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "credentials" ADD CONSTRAINT "fk_credentials_oauth_client" FOREIGN KEY ("oauth_client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "credentials" DROP CONSTRAINT "fk_credentials_oauth_client"`);
    await q.query(`ALTER TABLE "credentials" DROP CONSTRAINT "fk_credentials_tenant"`);
    await q.query(`ALTER TABLE "mfa_challenges" DROP CONSTRAINT "fk_mfa_challenges_tenant"`);
    await q.query(`ALTER TABLE "connect_sessions" DROP CONSTRAINT "fk_connect_sessions_oauth_client"`);
    await q.query(`ALTER TABLE "connect_sessions" DROP CONSTRAINT "fk_connect_sessions_tenant"`);
    await q.query(`DROP INDEX "public"."ix_credentials_tenant"`);
    await q.query(`DROP INDEX "public"."ix_credentials_due"`);
    await q.query(`DROP TABLE "credentials"`);
    await q.query(`DROP TABLE "mfa_challenges"`);
    await q.query(`DROP INDEX "public"."ux_connect_sessions_state"`);
    await q.query(`DROP INDEX "public"."ux_connect_sessions_link"`);
    await q.query(`DROP TABLE "connect_sessions"`);
  }
}
