import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795468906403 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "role" text NOT NULL, "tenants" text array NOT NULL, "key_hash" bytea NOT NULL, "key_prefix" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "ux_api_keys_hash" ON "api_keys"  ("key_hash") `);
    await q.query(
      `CREATE TABLE "audit_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL, "action" text NOT NULL, "tenant_id" text, "target" text, "outcome" text NOT NULL, "request_id" text, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "ix_audit_events_action" ON "audit_events"  ("action", "id") `);
    await q.query(`CREATE INDEX "ix_audit_events_tenant" ON "audit_events"  ("tenant_id", "id") `);
    await q.query(
      `CREATE TABLE "tenants" ("id" text NOT NULL, "name" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_53be67a04681c66b87ee27c9321" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "oauth_clients" ("id" text NOT NULL, "tenant_id" text, "client_id" text NOT NULL, "type" text NOT NULL, "product_id" text, "redirect_uri" text, "status" text NOT NULL DEFAULT 'active', "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c4759172d3431bae6f04e678e0d" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "ix_oauth_clients_tenant" ON "oauth_clients"  ("tenant_id") `);
    await q.query(
      `CREATE TABLE "oauth_client_secrets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "oauth_client_id" text NOT NULL, "version" integer NOT NULL, "client_id" text NOT NULL, "secret_sealed" text NOT NULL, "state" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "retire_after" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a83999b182de70d3eb4d7c418ee" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "ux_oauth_client_secrets_version" ON "oauth_client_secrets"  ("oauth_client_id", "version") `,
    );
    await q.query(
      `ALTER TABLE "oauth_clients" ADD CONSTRAINT "fk_oauth_clients_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "oauth_client_secrets" ADD CONSTRAINT "fk_oauth_client_secrets_client" FOREIGN KEY ("oauth_client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_client_secrets" DROP CONSTRAINT "fk_oauth_client_secrets_client"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP CONSTRAINT "fk_oauth_clients_tenant"`);
    await q.query(`DROP INDEX "public"."ux_oauth_client_secrets_version"`);
    await q.query(`DROP TABLE "oauth_client_secrets"`);
    await q.query(`DROP INDEX "public"."ix_oauth_clients_tenant"`);
    await q.query(`DROP TABLE "oauth_clients"`);
    await q.query(`DROP TABLE "tenants"`);
    await q.query(`DROP INDEX "public"."ix_audit_events_tenant"`);
    await q.query(`DROP INDEX "public"."ix_audit_events_action"`);
    await q.query(`DROP TABLE "audit_events"`);
    await q.query(`DROP INDEX "public"."ux_api_keys_hash"`);
    await q.query(`DROP TABLE "api_keys"`);
  }
}
