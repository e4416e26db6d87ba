/**
 * The token-endpoint guard's decisions as single SQL statements on the `particle_egress` row. Each one
 * locks the row, reads it, decides and writes in one round trip: the row stays locked only while the
 * server runs the statement and commits, never while a replica's event loop gets round to sending the
 * next statement of a transaction. That wait, two transactions per token call and every replica queueing
 * on the one row, was what bounded the refresh sweep (bench/README.md).
 *
 * The rules are the guard's (token-endpoint-guard.ts). Every statement starts from the row as of `now`
 * (`settled`): budget buckets that left the window dropped, and leases that expired without an outcome
 * counted as failures (a replica died mid-call; Particle may have seen a failure).
 *
 * Parameters shared by every statement: $1 row id, $2 now, $3 the newest bucket start that has left the
 * window (a bucket starting after it still counts), $4 the breaker threshold. Every occurrence of a
 * parameter carries the same cast, so PostgreSQL deduces one type for it.
 */

/** Particle blocks the IP at its 10th consecutive failed token request (§0.3). */
export const PARTICLE_LOCKOUT_FAILURES = 10;
export const MAX_COUNTED_FAILURES = PARTICLE_LOCKOUT_FAILURES - 1;
const PARTICLE_LOCKOUT_MS = 30 * 60_000;
const BASE_COOLDOWN_MS = 60_000;
const MAX_COOLDOWN_MS = 30 * 60_000;

/** Why an admission was refused; null when admitted. */
export type Refusal = 'cooldown' | 'probe_in_flight' | 'lockout_margin' | 'budget';

/**
 * How long the breaker stays open after the `failures`-th failure in a row: 60 s doubling per failure
 * past the threshold up to 30 minutes, and Particle's whole lockout length once at 9.
 */
function reopenAt(failures: string): string {
  return `$2::timestamptz + interval '1 millisecond' * CASE WHEN ${failures} >= ${MAX_COUNTED_FAILURES}
    THEN ${PARTICLE_LOCKOUT_MS}
    ELSE least(${BASE_COOLDOWN_MS} * power(2, ${failures} - $4::int), ${MAX_COOLDOWN_MS}) END`;
}

/**
 * `settled`: the row as of now, with `buckets` (sorted), `calls` and `oldest` (bucket start) in the
 * window, the live leases (sorted) and the failure count including expired leases, which (re)open the
 * breaker like any failure. `FOR UPDATE` in a MATERIALIZED CTE: the row is locked first, and a
 * concurrent writer's newer version is the one read, so the UPDATE that follows starts from it.
 */
function settled(lock: boolean): string {
  return `
  cur AS MATERIALIZED (
    SELECT id, call_buckets, in_flight_until, consecutive_failures, opened_at, retry_at
      FROM particle_egress WHERE id = $1::text ${lock ? 'FOR UPDATE' : ''}
  ),
  counted AS (
    SELECT cur.id, cur.opened_at, cur.retry_at, b.buckets, b.calls, b.oldest, l.live, l.expired,
           cur.consecutive_failures + l.expired AS failures
      FROM cur
     CROSS JOIN LATERAL (
       SELECT coalesce(jsonb_agg(v ORDER BY (v->>0)::bigint), '[]'::jsonb) AS buckets,
              coalesce(sum((v->>1)::int), 0)::int AS calls,
              min((v->>0)::bigint) AS oldest
         FROM jsonb_array_elements(cur.call_buckets) AS v
        WHERE (v->>0)::bigint > $3::bigint
     ) b
     CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(u ORDER BY u) FILTER (WHERE u > $2::timestamptz), '{}') AS live,
              count(*) FILTER (WHERE u <= $2::timestamptz)::int AS expired
         FROM unnest(cur.in_flight_until) AS u
     ) l
  ),
  settled AS (
    SELECT id, buckets, calls, oldest, live, failures,
           CASE WHEN expired > 0 AND failures >= $4::int THEN $2::timestamptz ELSE opened_at END AS opened_at,
           CASE WHEN expired > 0 AND failures >= $4::int
                THEN greatest(retry_at, ${reopenAt('failures')}) ELSE retry_at END AS retry_at
      FROM counted
  )`;
}

/**
 * Admits one call or says why not, and writes the row either way (expired leases stay counted).
 * $5 budget, $6 the new lease's expiry, $7 the start of the current bucket, $8 the lease of the caller's
 * previous call, which succeeded, or null.
 * $8 first records that success exactly as the success statement below would (its lease released, the
 * count zeroed, the breaker closed), then decides on the row as that leaves it: a caller making calls
 * one after another (a sweep lane) hands its lease over instead of sending a statement to give it back.
 * Admitted: the call is counted in the current bucket, its lease joins those in flight, and a half-open
 * probe moves `retry_at` to its lease's end, so every other caller, on any replica, is refused meanwhile.
 */
export const ADMIT = `
WITH ${settled(true)},
  handed AS (
    SELECT s.id, s.buckets, s.calls, s.oldest,
           CASE WHEN $8::timestamptz IS NULL THEN s.live
                ELSE coalesce(s.live[:(array_position(s.live, $8::timestamptz) - 1)]
                              || s.live[(array_position(s.live, $8::timestamptz) + 1):], s.live) END AS live,
           CASE WHEN $8::timestamptz IS NULL THEN s.failures ELSE 0 END AS failures,
           CASE WHEN $8::timestamptz IS NULL THEN s.opened_at END AS opened_at,
           CASE WHEN $8::timestamptz IS NULL THEN s.retry_at END AS retry_at
      FROM settled s
  ),
  decided AS (
    SELECT s.*,
      CASE
        WHEN s.opened_at IS NOT NULL AND s.retry_at > $2::timestamptz THEN 'cooldown'
        -- A call admitted before the breaker opened is still out: its outcome closes or re-opens it.
        WHEN s.opened_at IS NOT NULL AND cardinality(s.live) > 0 THEN 'probe_in_flight'
        -- Calls in flight may all fail: counted failures plus calls out must stay below the lockout.
        WHEN s.opened_at IS NULL AND s.failures + cardinality(s.live) >= ${MAX_COUNTED_FAILURES}
          THEN 'lockout_margin'
        WHEN s.oldest IS NOT NULL AND s.calls >= $5::int THEN 'budget'
      END AS refusal
      FROM handed s
  ),
  written AS (
    UPDATE particle_egress e SET
      call_buckets = CASE
        WHEN d.refusal IS NOT NULL THEN d.buckets
        WHEN (d.buckets->-1->>0)::bigint = $7::bigint
          THEN jsonb_set(d.buckets, '{-1,1}', to_jsonb((d.buckets->-1->>1)::int + 1))
        ELSE d.buckets || jsonb_build_array(jsonb_build_array($7::bigint, 1)) END,
      in_flight_until = CASE WHEN d.refusal IS NULL THEN d.live || $6::timestamptz ELSE d.live END,
      consecutive_failures = d.failures,
      opened_at = d.opened_at,
      retry_at = CASE WHEN d.refusal IS NULL AND d.opened_at IS NOT NULL THEN $6::timestamptz ELSE d.retry_at END,
      updated_at = $2::timestamptz
      FROM decided d
     WHERE e.id = d.id
    RETURNING e.id, e.opened_at IS NOT NULL AS open
  )
SELECT d.refusal, d.retry_at AS "retryAt", d.oldest::text AS oldest, d.opened_at IS NOT NULL AS probe,
       d.calls + (d.refusal IS NULL)::int AS calls, w.open
  FROM decided d JOIN written w ON w.id = d.id`;

/**
 * Records how an admitted call ended and releases its lease. $5 success, $6 the lease (null: the earliest
 * one, for callers that admitted one call only). A success closes the breaker and zeroes the count; a
 * failure counts once, and not at all when its lease had already expired (then `settled` counted it).
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
    SELECT s.*,
      CASE WHEN $6::timestamptz IS NULL THEN 1 ELSE array_position(s.live, $6::timestamptz) END AS at
      FROM settled s
  ),
  decided AS (
    SELECT f.*,
      NOT $5::boolean AND ($6::timestamptz IS NULL OR f.at IS NOT NULL) AS failed,
      f.failures + 1 >= $4::int AS opens
      FROM found f
  ),
  written AS (
    UPDATE particle_egress e SET
      call_buckets = d.buckets,
      in_flight_until = CASE WHEN d.at IS NULL THEN d.live ELSE d.live[:(d.at - 1)] || d.live[(d.at + 1):] END,
      consecutive_failures = CASE WHEN $5::boolean THEN 0 ELSE d.failures + d.failed::int END,
      opened_at = CASE
        WHEN $5::boolean THEN NULL
        WHEN d.failed AND d.opens THEN $2::timestamptz
        ELSE d.opened_at END,
      retry_at = CASE
        WHEN $5::boolean THEN NULL
        WHEN d.failed AND d.opens THEN greatest(d.retry_at, ${reopenAt('(d.failures + 1)')})
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

/** For ops: closes the breaker and zeroes the count; the budget and calls in flight stay (they were real). */
export const RESET = `
WITH ${settled(true)},
  written AS (
    UPDATE particle_egress e SET
      call_buckets = s.buckets, in_flight_until = s.live,
      consecutive_failures = 0, opened_at = NULL, retry_at = NULL, updated_at = $2::timestamptz
      FROM settled s
     WHERE e.id = s.id
    RETURNING e.id
  )
SELECT s.calls, false AS open FROM settled s JOIN written w ON w.id = s.id`;

/**
 * A plain read for reporting, settled as a decision would see it, without writing. `probing`: the
 * half-open probe is out (its lease is the instant `retry_at` was moved to when it was admitted).
 */
export const READ = `
WITH ${settled(false)}
SELECT s.calls, s.failures, s.opened_at AS "openedAt", s.retry_at AS "retryAt",
       coalesce(s.retry_at = ANY (s.live), false) AS probing, s.oldest::text AS oldest
  FROM settled s`;

/** Creates the row on first use; the statements above find nothing to update until it exists. */
export const CREATE = `INSERT INTO particle_egress (id, updated_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`;
