import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The proxy's share of Particle's general API limit (design.md §9, §11): calls per tenant per 10-second
 * bucket, and one function that decides a reservation under an advisory lock, so every replica's
 * decision sees every other's and a reservation costs one round trip. Replicas reserve a few calls at a
 * time (ApiBudget), so this runs once per chunk, not once per proxied request.
 */
export class ParticleApiBudget1795510000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "particle_api_calls" (
      "egress_id" text NOT NULL, "bucket" bigint NOT NULL, "tenant_id" text NOT NULL,
      "calls" integer NOT NULL,
      CONSTRAINT "pk_particle_api_calls" PRIMARY KEY ("egress_id", "bucket", "tenant_id"))`);
    // Buckets are epoch seconds / p_bucket_seconds. A bucket counts until its end leaves the window, so
    // a call is never forgotten early. A refused ask is written with 0 calls: "another tenant asked".
    await q.query(`CREATE FUNCTION particle_api_reserve(
        p_egress text, p_tenant text, p_want integer, p_budget integer, p_share integer,
        p_now timestamptz, p_window_seconds integer, p_bucket_seconds integer)
      RETURNS TABLE (granted integer, scope text, retry_after_seconds integer)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_now double precision := extract(epoch FROM p_now);
        v_bucket bigint := floor(v_now / p_bucket_seconds)::bigint;
        v_first bigint := floor((v_now - p_window_seconds) / p_bucket_seconds)::bigint;
        v_total integer; v_mine integer; v_others boolean; v_oldest bigint;
        v_granted integer; v_scope text;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('particle_api_calls:' || p_egress, 0));
        DELETE FROM particle_api_calls WHERE egress_id = p_egress AND bucket < v_first;
        SELECT coalesce(sum(c.calls), 0), coalesce(sum(c.calls) FILTER (WHERE c.tenant_id = p_tenant), 0),
               coalesce(bool_or(c.tenant_id <> p_tenant), false)
          INTO v_total, v_mine, v_others
          FROM particle_api_calls c WHERE c.egress_id = p_egress;
        v_granted := greatest(0, least(p_want, p_budget - v_total));
        IF v_others AND v_mine + v_granted > p_share THEN
          v_granted := greatest(0, p_share - v_mine);
          IF v_granted = 0 THEN v_scope := 'tenant'; END IF;
        END IF;
        IF v_granted = 0 AND v_scope IS NULL THEN v_scope := 'global'; END IF;
        INSERT INTO particle_api_calls AS c (egress_id, bucket, tenant_id, calls)
             VALUES (p_egress, v_bucket, p_tenant, v_granted)
        ON CONFLICT (egress_id, bucket, tenant_id) DO UPDATE SET calls = c.calls + EXCLUDED.calls;
        IF v_scope IS NOT NULL THEN
          SELECT min(c.bucket) INTO v_oldest FROM particle_api_calls c
           WHERE c.egress_id = p_egress AND c.calls > 0 AND (v_scope = 'global' OR c.tenant_id = p_tenant);
        END IF;
        RETURN QUERY SELECT v_granted, v_scope,
          CASE WHEN v_oldest IS NULL THEN NULL
               ELSE greatest(1, ceil((v_oldest + 1) * p_bucket_seconds + p_window_seconds - v_now))::integer END;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION particle_api_reserve(text, text, integer, integer, integer, timestamptz, integer, integer)`,
    );
    await q.query(`DROP TABLE "particle_api_calls"`);
  }
}
