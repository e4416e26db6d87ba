/**
 * The token-endpoint guard's decisions as single SQL statements on the `particle_egress` row. Each one
 * locks the row, reads it, decides and writes in one round trip: the row stays locked only while the
 * server runs the statement and commits, never while a replica's event loop gets round to sending the
 * next statement of a transaction. That wait, two transactions per token call and every replica queueing
 * on the one row, was what bounded the refresh sweep (bench/README.md).
 *
 * The rules are the guard's (token-endpoint-guard.ts). Every statement starts from the row as of `now`
 * (`settled`, particle-egress.settled.ts): budget buckets that left the window dropped, and leases that
 * expired without an outcome counted as failures (a replica died mid-call; Particle may have seen one).
 *
 * The row's `seq` orders admissions against recorded failures: each admitted call takes the next
 * number (its permit carries it) and so does each counted failure, kept in `failure_seqs`. A success
 * clears only the failures numbered before its admission (`keptAfterSuccess`). Clocks play no part, so
 * replicas whose clocks disagree still agree on the order.
 *
 * Parameters shared by every statement: $1 row id, $2 now, $3 the newest bucket start that has left the
 * window (a bucket starting after it still counts), $4 the breaker threshold. Every occurrence of a
 * parameter carries the same cast, so PostgreSQL deduces one type for it.
 */
import { keptAfterSuccess, MAX_COUNTED_FAILURES, reopenAt, settled } from './particle-egress.settled.js';

/** Why an admission was refused; null when admitted. `tenant`: the caller's tenant is past its share. */
export type Refusal = 'cooldown' | 'probe_in_flight' | 'lockout_margin' | 'budget' | 'tenant';

/** `buckets` with one more call in bucket $7 (the last pair, when it is that bucket, else a new pair). */
function withCall(buckets: string): string {
  return `CASE WHEN (${buckets}->-1->>0)::bigint = $7::bigint
    THEN jsonb_set(${buckets}, '{-1,1}', to_jsonb((${buckets}->-1->>1)::int + 1))
    ELSE ${buckets} || jsonb_build_array(jsonb_build_array($7::bigint, 1)) END`;
}

/**
 * The caller's tenant ($10) as the window sees it, read from `cur.tenant_buckets` in one pass: `mine`
 * its calls, `mine_oldest` its oldest bucket holding a call, `others` whether another tenant made or was
 * refused a call in the window, and `kept` the entries still in the window except the caller's entry for
 * bucket $7, which the write appends again (calls + 1 if admitted, + 0 if refused: it asked). Entries
 * are matched by value, so their order does not matter.
 */
const TENANT_WINDOW = `
  tenant_window AS (
    SELECT coalesce(jsonb_agg(v) FILTER (WHERE w.live AND NOT w.current), '[]'::jsonb) AS kept,
           coalesce(sum(w.n) FILTER (WHERE w.live AND w.current), 0)::int AS current_calls,
           coalesce(sum(w.n) FILTER (WHERE w.live AND w.mine), 0)::int AS mine,
           min(w.bucket) FILTER (WHERE w.live AND w.mine AND w.n > 0) AS mine_oldest,
           coalesce(bool_or(w.live AND NOT w.mine), false) AS others
      FROM cur
      LEFT JOIN LATERAL jsonb_array_elements(cur.tenant_buckets) AS v ON true
     CROSS JOIN LATERAL (
       SELECT (v->>0)::bigint AS bucket, (v->>2)::int AS n, (v->>0)::bigint > $3::bigint AS live,
              coalesce(v->>1 = $10::text, false) AS mine,
              coalesce(v->>1 = $10::text AND (v->>0)::bigint = $7::bigint, false) AS current
     ) w
  )`;

/**
 * Admits one call or says why not, and writes the row either way (expired leases stay counted).
 * $5 budget, $6 the new lease's expiry, $7 the start of the current bucket; $8 the lease of the caller's
 * previous call, which succeeded, and $9 that call's admission number, or both null; $10 the tenant the
 * call is for (null: none, e.g. checking a shared client's new secret), $11 true for a scheduled
 * renewal, $12 the calls in the window past which on-demand calls are refused (the rest of the budget is
 * the scheduled renewals' reserve), $13 the tenant share in calls.
 * Tenant shares (design.md §9.1): an on-demand call of a tenant that has $13 calls in the window is
 * refused while another tenant asked in it. A scheduled renewal is never refused for its tenant's share
 * (scheduled renewals go before on-demand mints), but its calls count in the share.
 * $8/$9 first record that success exactly as the success statement below would (its lease released, the
 * failures recorded before its admission cleared, the breaker closed if fewer than the threshold are
 * left), then decide on the row as that leaves it: a caller making calls one after another (a sweep
 * lane) hands its lease over instead of sending a statement to give it back.
 * Admitted: the call is counted in the current bucket, its lease joins those in flight, it takes the
 * next sequence number, and a half-open probe moves `retry_at` to its lease's end, so every other
 * caller, on any replica, is refused meanwhile.
 */
export const ADMIT = `
WITH ${settled(true)},${TENANT_WINDOW},
  handed AS (
    SELECT s.id, s.buckets, s.calls, s.oldest, s.seq, k.failure_seqs,
           CASE WHEN $8::timestamptz IS NULL THEN s.live
                ELSE coalesce(s.live[:(array_position(s.live, $8::timestamptz) - 1)]
                              || s.live[(array_position(s.live, $8::timestamptz) + 1):], s.live) END AS live,
           cardinality(k.failure_seqs) AS failures,
           CASE WHEN $9::bigint IS NULL OR cardinality(k.failure_seqs) >= $4::int THEN s.opened_at END AS opened_at,
           CASE WHEN $9::bigint IS NULL OR cardinality(k.failure_seqs) >= $4::int THEN s.retry_at END AS retry_at
      FROM settled s
     CROSS JOIN LATERAL (SELECT ${keptAfterSuccess('s.failure_seqs', '$9::bigint')} AS failure_seqs) k
  ),
  decided AS (
    SELECT s.*, t.*,
      CASE
        WHEN s.opened_at IS NOT NULL AND s.retry_at > $2::timestamptz THEN 'cooldown'
        -- A call admitted before the breaker opened is still out: its outcome closes or re-opens it.
        WHEN s.opened_at IS NOT NULL AND cardinality(s.live) > 0 THEN 'probe_in_flight'
        -- Calls in flight may all fail: counted failures plus calls out must stay below the lockout.
        WHEN s.opened_at IS NULL AND s.failures + cardinality(s.live) >= ${MAX_COUNTED_FAILURES}
          THEN 'lockout_margin'
        WHEN NOT $11::boolean AND $10::text IS NOT NULL AND t.others AND t.mine >= $13::int THEN 'tenant'
        WHEN s.oldest IS NOT NULL AND s.calls >= CASE WHEN $11::boolean THEN $5::int ELSE $12::int END
          THEN 'budget'
      END AS refusal
      FROM handed s CROSS JOIN tenant_window t
  ),
  written AS (
    UPDATE particle_egress e SET
      call_buckets = CASE WHEN d.refusal IS NOT NULL THEN d.buckets ELSE ${withCall('d.buckets')} END,
      tenant_buckets = CASE WHEN $10::text IS NULL THEN d.kept
        ELSE d.kept || jsonb_build_array(jsonb_build_array($7::bigint, $10::text,
                                                           d.current_calls + (d.refusal IS NULL)::int)) END,
      in_flight_until = CASE WHEN d.refusal IS NULL THEN d.live || $6::timestamptz ELSE d.live END,
      seq = d.seq + (d.refusal IS NULL)::int,
      failure_seqs = d.failure_seqs,
      opened_at = d.opened_at,
      retry_at = CASE WHEN d.refusal IS NULL AND d.opened_at IS NOT NULL THEN $6::timestamptz ELSE d.retry_at END,
      updated_at = $2::timestamptz
      FROM decided d
     WHERE e.id = d.id
    RETURNING e.id, e.opened_at IS NOT NULL AS open, e.seq
  )
SELECT d.refusal, d.retry_at AS "retryAt", d.oldest::text AS oldest, d.opened_at IS NOT NULL AS probe,
       d.calls + (d.refusal IS NULL)::int AS calls, w.open, w.seq::text AS seq,
       d.mine_oldest::text AS "tenantOldest", d.mine + (d.refusal IS NULL)::int AS "tenantCalls"
  FROM decided d JOIN written w ON w.id = d.id`;

/**
 * Records how an admitted call ended and releases its lease. $5 success, $6 the lease, $7 the call's
 * admission number. A success clears the failures recorded before its admission and closes the breaker
 * if fewer than the threshold are left; a failure counts once, with the next sequence number, and not at
 * all when its lease had already expired (then `settled` counted it).
 *
 * `relaxed`: commit without waiting for the WAL flush (`synchronous_commit` off for this one
 * transaction), so the row is free for the next decision a flush sooner. Only for successes: one that a
 * PostgreSQL crash loses leaves its lease in the row, which then expires and counts as a failure, the
 * cautious side. Admissions and failures always commit durably: losing one could overspend the budget or
 * hide a failure from the lockout count.
 */
export function recordStatement(relaxed: boolean): string {
  return `
WITH ${settled(true)},
  found AS (
    SELECT s.*, p.at, NOT $5::boolean AND p.at IS NOT NULL AS failed
      FROM settled s CROSS JOIN LATERAL (SELECT array_position(s.live, $6::timestamptz) AS at) p
  ),
  decided AS (
    SELECT f.*,
      CASE WHEN $5::boolean THEN ${keptAfterSuccess('f.failure_seqs', '$7::bigint')}
           WHEN f.failed THEN f.failure_seqs || (f.seq + 1)
           ELSE f.failure_seqs END AS after
      FROM found f
  ),
  written AS (
    UPDATE particle_egress e SET
      call_buckets = d.buckets,
      in_flight_until = CASE WHEN d.at IS NULL THEN d.live ELSE d.live[:(d.at - 1)] || d.live[(d.at + 1):] END,
      seq = d.seq + d.failed::int,
      failure_seqs = d.after,
      opened_at = CASE
        WHEN $5::boolean AND cardinality(d.after) < $4::int THEN NULL
        WHEN d.failed AND cardinality(d.after) >= $4::int THEN $2::timestamptz
        ELSE d.opened_at END,
      retry_at = CASE
        WHEN $5::boolean AND cardinality(d.after) < $4::int THEN NULL
        WHEN d.failed AND cardinality(d.after) >= $4::int
          THEN greatest(d.retry_at, ${reopenAt('cardinality(d.after)')})
        ELSE d.retry_at END,
      updated_at = $2::timestamptz
      FROM decided d
     WHERE e.id = d.id
    RETURNING e.id, e.opened_at IS NOT NULL AS open
  )${
    relaxed
      ? `,
  -- Local to this statement's transaction (is_local), read as it commits; joined below so that it runs.
  relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))`
      : ''
  }
SELECT d.calls, w.open FROM decided d JOIN written w ON w.id = d.id${relaxed ? ' CROSS JOIN relaxed' : ''}`;
}

/** For ops: closes the breaker and clears the count; the budget and calls in flight stay (they were real). */
export const RESET = `
WITH ${settled(true)},
  written AS (
    UPDATE particle_egress e SET
      call_buckets = s.buckets, in_flight_until = s.live, seq = s.seq,
      failure_seqs = '{}', opened_at = NULL, retry_at = NULL, updated_at = $2::timestamptz
      FROM settled s
     WHERE e.id = s.id
    RETURNING e.id
  )
SELECT s.calls, false AS open FROM settled s JOIN written w ON w.id = s.id`;

/**
 * A plain read for reporting, settled as a decision would see it, without writing. `probing`: the
 * half-open probe is out (its lease is the instant `retry_at` was moved to when it was admitted).
 * `tenants`: `[[tenant id, calls], ...]` for every tenant that asked in the window, busiest first (0
 * calls: it was only refused).
 */
export const READ = `
WITH ${settled(false)},
  tenants AS (
    SELECT coalesce(jsonb_agg(jsonb_build_array(x.tenant, x.calls) ORDER BY x.calls DESC, x.tenant), '[]')
           AS tenants
      FROM (SELECT v->>1 AS tenant, sum((v->>2)::int)::int AS calls
              FROM cur CROSS JOIN LATERAL jsonb_array_elements(cur.tenant_buckets) AS v
             WHERE (v->>0)::bigint > $3::bigint
             GROUP BY v->>1) x
  )
SELECT s.calls, s.failures, s.opened_at AS "openedAt", s.retry_at AS "retryAt",
       coalesce(s.retry_at = ANY (s.live), false) AS probing, s.oldest::text AS oldest, t.tenants
  FROM settled s CROSS JOIN tenants t`;

/** Creates the row on first use; the statements above find nothing to update until it exists. */
export const CREATE = `INSERT INTO particle_egress (id, updated_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`;
