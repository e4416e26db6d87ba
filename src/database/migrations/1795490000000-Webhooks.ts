import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints, their secrets, and the outbox (design.md §10). The outbox is written by one SQL
 * function, `webhook_enqueue`, called from the triggers below and from the app (WebhookOutbox): the
 * status transitions it announces happen in a dozen single-statement writes (credential leases, the
 * egress row's decisions), and a row trigger puts each event in the transaction of the change that
 * caused it, only when OLD and NEW differ, without every one of those statements learning of webhooks.
 */
export class Webhooks1795490000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "webhook_endpoints" (
      "id" uuid NOT NULL, "url" text NOT NULL, "events" text[] NOT NULL, "tenants" text[] NOT NULL,
      "description" text, "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_webhook_endpoints" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "webhook_secrets" (
      "id" uuid NOT NULL, "endpoint_id" uuid NOT NULL, "secret_sealed" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(), "expires_at" timestamptz,
      CONSTRAINT "pk_webhook_secrets" PRIMARY KEY ("id"),
      CONSTRAINT "fk_webhook_secrets_endpoint" FOREIGN KEY ("endpoint_id")
        REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "ix_webhook_secrets_endpoint" ON "webhook_secrets" ("endpoint_id")`);
    await q.query(`CREATE TABLE "webhook_events" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" text NOT NULL, "tenant_id" text,
      "data" jsonb NOT NULL, "dedupe_key" text, "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_webhook_events" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_webhook_events_dedupe" ON "webhook_events" ("dedupe_key")`);
    await q.query(`CREATE TABLE "webhook_deliveries" (
      "id" bigserial NOT NULL, "event_id" uuid NOT NULL, "endpoint_id" uuid NOT NULL, "ordering_key" text,
      "state" text NOT NULL DEFAULT 'pending', "attempt" integer NOT NULL DEFAULT 0,
      "next_attempt_at" timestamptz NOT NULL DEFAULT now(), "lease_owner" text, "lease_until" timestamptz,
      "status_code" integer, "error" text, "last_attempt_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("id"),
      CONSTRAINT "ck_webhook_deliveries_state" CHECK ("state" IN ('pending', 'delivered', 'failed')),
      CONSTRAINT "fk_webhook_deliveries_event" FOREIGN KEY ("event_id")
        REFERENCES "webhook_events"("id") ON DELETE CASCADE,
      CONSTRAINT "fk_webhook_deliveries_endpoint" FOREIGN KEY ("endpoint_id")
        REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE)`);
    // Claims read pending rows in id order: without this, each claim walks past every delivered row.
    await q.query(`CREATE INDEX "ix_webhook_deliveries_pending" ON "webhook_deliveries" ("id")
      WHERE "state" = 'pending'`);
    await q.query(`CREATE INDEX "ix_webhook_deliveries_order" ON "webhook_deliveries"
      ("endpoint_id", "ordering_key", "id") WHERE "state" = 'pending'`);
    await q.query(
      `CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "id")`,
    );

    // One event and a delivery per subscribed endpoint, or nothing when no endpoint wants it (no backlog
    // of events nobody reads). p_endpoint: only that endpoint, whatever it subscribed to (webhook.test).
    // p_dedupe: a second event with the same key is dropped (egress.budget_exhausted, once per window).
    await q.query(`CREATE FUNCTION webhook_enqueue(p_type text, p_tenant text, p_ordering text, p_data jsonb,
        p_dedupe text DEFAULT NULL, p_endpoint uuid DEFAULT NULL) RETURNS uuid LANGUAGE plpgsql AS $$
      DECLARE v_id uuid;
      BEGIN
        PERFORM 1 FROM webhook_endpoints e
          WHERE (p_endpoint IS NOT NULL AND e.id = p_endpoint)
             OR (p_endpoint IS NULL AND ('*' = ANY(e.events) OR p_type = ANY(e.events))
                 AND ('*' = ANY(e.tenants) OR p_tenant = ANY(e.tenants)));
        IF NOT FOUND THEN RETURN NULL; END IF;
        INSERT INTO webhook_events (type, tenant_id, data, dedupe_key)
          VALUES (p_type, p_tenant,
                  CASE WHEN p_tenant IS NULL THEN p_data ELSE jsonb_build_object('tenant_id', p_tenant) || p_data END,
                  p_dedupe)
          ON CONFLICT (dedupe_key) DO NOTHING RETURNING id INTO v_id;
        IF v_id IS NULL THEN RETURN NULL; END IF;
        INSERT INTO webhook_deliveries (event_id, endpoint_id, ordering_key)
          SELECT v_id, e.id, p_ordering FROM webhook_endpoints e
           WHERE (p_endpoint IS NOT NULL AND e.id = p_endpoint)
              OR (p_endpoint IS NULL AND ('*' = ANY(e.events) OR p_type = ANY(e.events))
                  AND ('*' = ANY(e.tenants) OR p_tenant = ANY(e.tenants)));
        PERFORM pg_notify('broker_webhooks', '');
        RETURN v_id;
      END $$`);

    // Status transitions of a credential. A credential failing across retries stays 'failing': no new event.
    await q.query(`CREATE FUNCTION webhook_credential_status() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'needs_reauth' THEN
          PERFORM webhook_enqueue('credential.needs_reauth', NEW.tenant_id, NEW.id::text, jsonb_build_object(
            'credential_id', NEW.id, 'kind', NEW.kind, 'reason', NEW.last_error, 'since', now()));
        ELSIF NEW.status = 'failing' THEN
          PERFORM webhook_enqueue('credential.failing', NEW.tenant_id, NEW.id::text, jsonb_build_object(
            'credential_id', NEW.id, 'kind', NEW.kind, 'error', NEW.last_error,
            'next_attempt_at', NEW.next_attempt_at));
        ELSIF NEW.status = 'expiring' THEN
          PERFORM webhook_enqueue('credential.expiring', NEW.tenant_id, NEW.id::text, jsonb_build_object(
            'credential_id', NEW.id, 'kind', NEW.kind, 'access_expires_at', NEW.access_expires_at));
        ELSIF NEW.status = 'active' AND OLD.status IN ('failing', 'needs_reauth') THEN
          PERFORM webhook_enqueue('credential.recovered', NEW.tenant_id, NEW.id::text, jsonb_build_object(
            'credential_id', NEW.id, 'kind', NEW.kind, 'from_status', OLD.status));
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER "webhook_credential_status" AFTER UPDATE OF "status" ON "credentials"
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION webhook_credential_status()`);

    // A credential's row goes when it is deleted (by ops, or with its tenant). 'by': the actor the deleting
    // transaction named (set_config('broker.actor', ..., true)), else the broker itself.
    await q.query(`CREATE FUNCTION webhook_credential_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM webhook_enqueue('credential.revoked', OLD.tenant_id, OLD.id::text, jsonb_build_object(
          'credential_id', OLD.id, 'kind', OLD.kind,
          'by', coalesce(nullif(current_setting('broker.actor', true), ''), 'broker')));
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER "webhook_credential_deleted" AFTER DELETE ON "credentials"
      FOR EACH ROW EXECUTE FUNCTION webhook_credential_deleted()`);

    await q.query(`CREATE FUNCTION webhook_oauth_client_invalid() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM webhook_enqueue('oauth_client.invalid', NEW.tenant_id, 'oauth_client:' || NEW.id,
          jsonb_build_object('oauth_client_id', NEW.id, 'error', NEW.last_error));
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER "webhook_oauth_client_invalid" AFTER UPDATE OF "status" ON "oauth_clients"
      FOR EACH ROW WHEN (OLD.status <> 'invalid' AND NEW.status = 'invalid')
      EXECUTE FUNCTION webhook_oauth_client_invalid()`);

    // The breaker is open exactly while opened_at is set; a half-open probe only moves retry_at.
    await q.query(`CREATE FUNCTION webhook_breaker() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM webhook_enqueue(
          CASE WHEN NEW.opened_at IS NULL THEN 'egress.breaker_closed' ELSE 'egress.breaker_opened' END,
          NULL, 'egress', jsonb_build_object('consecutive_failures', cardinality(NEW.failure_seqs),
            'open_until', CASE WHEN NEW.opened_at IS NULL THEN NULL ELSE NEW.retry_at END));
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER "webhook_breaker" AFTER UPDATE ON "particle_egress"
      FOR EACH ROW WHEN ((OLD.opened_at IS NULL) IS DISTINCT FROM (NEW.opened_at IS NULL))
      EXECUTE FUNCTION webhook_breaker()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "webhook_breaker" ON "particle_egress"`);
    await q.query(`DROP TRIGGER "webhook_oauth_client_invalid" ON "oauth_clients"`);
    await q.query(`DROP TRIGGER "webhook_credential_deleted" ON "credentials"`);
    await q.query(`DROP TRIGGER "webhook_credential_status" ON "credentials"`);
    await q.query(`DROP FUNCTION webhook_breaker(), webhook_oauth_client_invalid(), webhook_credential_deleted(),
      webhook_credential_status(), webhook_enqueue(text, text, text, jsonb, text, uuid)`);
    await q.query(`DROP TABLE "webhook_deliveries"`);
    await q.query(`DROP TABLE "webhook_events"`);
    await q.query(`DROP TABLE "webhook_secrets"`);
    await q.query(`DROP TABLE "webhook_endpoints"`);
  }
}
