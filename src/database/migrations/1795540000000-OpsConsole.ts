import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the ops console reads and how it signs in (design.md §6 read models, §12):
 * - `credentials.status_since`: when a credential entered its current status, kept by a trigger, since a
 *   dozen single-statement writes (leases, renewals, failures, checks) change the status and none of them
 *   should have to remember this;
 * - `refresh_sweep_last`: one row, the latest finished sweep of any replica (empty sweeps too, so a
 *   stopped scheduler shows as an old `at`, not as "nothing to do");
 * - `console_sessions`: a browser's session, stored as the SHA-256 of its random token, bound to the hash
 *   of the admin API key it was opened with (checked through the key cache at every use).
 */
export class OpsConsole1795540000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "credentials" ADD "status_since" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
    await q.query(`UPDATE "credentials" SET "status_since" = "updated_at"`);
    await q.query(`CREATE FUNCTION credential_status_since() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.status_since := now();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER "credential_status_since" BEFORE UPDATE OF "status" ON "credentials"
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION credential_status_since()`);

    await q.query(`CREATE TABLE "refresh_sweep_last" (
      "id" smallint NOT NULL DEFAULT 1, "at" timestamptz NOT NULL, "claimed" integer NOT NULL,
      "renewed" integer NOT NULL, "failed" integer NOT NULL, "skipped" integer NOT NULL, "owner" text NOT NULL,
      CONSTRAINT "pk_refresh_sweep_last" PRIMARY KEY ("id"),
      CONSTRAINT "ck_refresh_sweep_last_one_row" CHECK ("id" = 1))`);

    await q.query(`CREATE TABLE "console_sessions" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" bytea NOT NULL,
      "api_key_hash" bytea NOT NULL, "created_at" timestamptz NOT NULL,
      "last_used_at" timestamptz NOT NULL, "expires_at" timestamptz NOT NULL,
      CONSTRAINT "pk_console_sessions" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_console_sessions_token" ON "console_sessions" ("token_hash")`);
    await q.query(`CREATE INDEX "ix_console_sessions_api_key" ON "console_sessions" ("api_key_hash")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "console_sessions"`);
    await q.query(`DROP TABLE "refresh_sweep_last"`);
    await q.query(`DROP TRIGGER "credential_status_since" ON "credentials"`);
    await q.query(`DROP FUNCTION credential_status_since()`);
    await q.query(`ALTER TABLE "credentials" DROP COLUMN "status_since"`);
  }
}
