import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Particle's event-stream limits, shared by every replica (design.md §11): upstream streams open at once
 * (a slot per stream, held under a lease the owning replica renews, so a dead replica's slots run out)
 * and streams opened per window (every open and every reconnect, as Particle counts them). One function
 * decides under an advisory lock, in one round trip, with the tenant shares of §9.1.
 */
export class ParticleStreamSlots1795520000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "particle_stream_slots" (
      "id" uuid NOT NULL, "egress_id" text NOT NULL, "tenant_id" text NOT NULL, "owner" text NOT NULL,
      "path" text NOT NULL, "lease_until" timestamptz NOT NULL, "opened_at" timestamptz NOT NULL,
      CONSTRAINT "pk_particle_stream_slots" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_particle_stream_slots_egress" ON "particle_stream_slots" ("egress_id")`);
    await q.query(`CREATE TABLE "particle_stream_opens" (
      "id" bigserial NOT NULL, "egress_id" text NOT NULL, "tenant_id" text NOT NULL,
      "at" timestamptz NOT NULL, "admitted" boolean NOT NULL,
      CONSTRAINT "pk_particle_stream_opens" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE INDEX "ix_particle_stream_opens_egress_at" ON "particle_stream_opens" ("egress_id", "at")`,
    );
    // p_slot: the slot to open (a new one) or to reopen (a reconnect: it already holds its place, and
    // only spends an open). Refused asks are written too (admitted false): "another tenant asked".
    await q.query(`CREATE FUNCTION particle_stream_open(
        p_egress text, p_tenant text, p_slot uuid, p_owner text, p_path text,
        p_limit integer, p_open_budget integer, p_share_limit integer, p_share_opens integer,
        p_now timestamptz, p_lease_seconds integer, p_window_seconds integer)
      RETURNS TABLE (admitted boolean, scope text, retry_after_seconds integer)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_since timestamptz := p_now - make_interval(secs => p_window_seconds);
        v_reopen boolean;
        v_open integer; v_mine_open integer; v_opens integer; v_mine_opens integer; v_others boolean;
        v_scope text; v_oldest timestamptz;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('particle_stream_slots:' || p_egress, 0));
        DELETE FROM particle_stream_slots WHERE egress_id = p_egress AND lease_until <= p_now;
        DELETE FROM particle_stream_opens WHERE egress_id = p_egress AND at <= v_since;
        SELECT EXISTS (SELECT 1 FROM particle_stream_slots WHERE id = p_slot) INTO v_reopen;
        SELECT count(*)::int, (count(*) FILTER (WHERE tenant_id = p_tenant))::int,
               coalesce(bool_or(tenant_id <> p_tenant), false)
          INTO v_open, v_mine_open, v_others
          FROM particle_stream_slots WHERE egress_id = p_egress;
        SELECT (count(*) FILTER (WHERE o.admitted))::int,
               (count(*) FILTER (WHERE o.admitted AND o.tenant_id = p_tenant))::int,
               v_others OR coalesce(bool_or(o.tenant_id <> p_tenant), false)
          INTO v_opens, v_mine_opens, v_others
          FROM particle_stream_opens o WHERE o.egress_id = p_egress;
        IF NOT v_reopen AND v_others AND v_mine_open >= p_share_limit THEN v_scope := 'tenant';
        ELSIF NOT v_reopen AND v_open >= p_limit THEN v_scope := 'global';
        ELSIF v_others AND v_mine_opens >= p_share_opens THEN v_scope := 'tenant';
        ELSIF v_opens >= p_open_budget THEN v_scope := 'global';
        END IF;
        INSERT INTO particle_stream_opens (egress_id, tenant_id, at, admitted)
             VALUES (p_egress, p_tenant, p_now, v_scope IS NULL);
        IF v_scope IS NULL THEN
          INSERT INTO particle_stream_slots AS s (id, egress_id, tenant_id, owner, path, lease_until, opened_at)
               VALUES (p_slot, p_egress, p_tenant, p_owner, p_path,
                       p_now + make_interval(secs => p_lease_seconds), p_now)
          ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until, owner = EXCLUDED.owner;
          RETURN QUERY SELECT true, NULL::text, NULL::integer;
          RETURN;
        END IF;
        -- When the refusal can end: the oldest admitted open leaving the window (a slot ends when its
        -- stream closes, which no one can predict: a minute is a reasonable wait).
        SELECT min(o.at) INTO v_oldest FROM particle_stream_opens o
         WHERE o.egress_id = p_egress AND o.admitted AND (v_scope = 'global' OR o.tenant_id = p_tenant);
        RETURN QUERY SELECT false, v_scope,
          CASE WHEN v_oldest IS NULL OR v_mine_opens < p_share_opens AND v_opens < p_open_budget THEN 60
               ELSE greatest(1, ceil(extract(epoch FROM v_oldest + make_interval(secs => p_window_seconds) - p_now)))::integer
          END;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION particle_stream_open(text, text, uuid, text, text, integer, integer, integer,
      integer, timestamptz, integer, integer)`);
    await q.query(`DROP TABLE "particle_stream_opens"`);
    await q.query(`DROP TABLE "particle_stream_slots"`);
  }
}
