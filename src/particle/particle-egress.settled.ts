/**
 * What every statement of particle-egress.statements.ts starts from: the `particle_egress` row as of
 * `now`, and the policy constants the statements share.
 */

/** Particle blocks the IP at its 10th consecutive failed token request (§0.3). */
export const PARTICLE_LOCKOUT_FAILURES = 10;
export const MAX_COUNTED_FAILURES = PARTICLE_LOCKOUT_FAILURES - 1;
const PARTICLE_LOCKOUT_MS = 30 * 60_000;
const BASE_COOLDOWN_MS = 60_000;
const MAX_COOLDOWN_MS = 30 * 60_000;

/**
 * How long the breaker stays open after the `failures`-th failure in a row: 60 s doubling per failure
 * past the threshold up to 30 minutes, and Particle's whole lockout length once at 9.
 */
export function reopenAt(failures: string): string {
  return `$2::timestamptz + interval '1 millisecond' * CASE WHEN ${failures} >= ${MAX_COUNTED_FAILURES}
    THEN ${PARTICLE_LOCKOUT_MS}
    ELSE least(${BASE_COOLDOWN_MS} * power(2, ${failures} - $4::int), ${MAX_COOLDOWN_MS}) END`;
}

/**
 * The failures a success admitted at sequence number `admitted` leaves counted: those recorded after it
 * was admitted. Only a failure answered before the success was even sent surely reached Particle before
 * it; a later one may have overtaken it on the wire, and Particle counts in the order calls arrive.
 * `admitted` null: no success, all stay.
 */
export function keptAfterSuccess(failureSeqs: string, admitted: string): string {
  return `CASE WHEN ${admitted} IS NULL THEN ${failureSeqs}
    ELSE ARRAY(SELECT x FROM unnest(${failureSeqs}) AS x WHERE x > ${admitted} ORDER BY x) END`;
}

/**
 * `settled`: the row as of now, with `buckets` (sorted), `calls` and `oldest` (bucket start) in the
 * window, the live leases (sorted), and `failure_seqs` / `failures` including expired leases, which
 * count as failures recorded now (numbered after everything before them, so no earlier success clears
 * them) and (re)open the breaker like any failure. `FOR UPDATE` in a MATERIALIZED CTE: the row is locked
 * first, and a concurrent writer's newer version is the one read, so the UPDATE that follows starts from it.
 */
export function settled(lock: boolean): string {
  return `
  cur AS MATERIALIZED (
    SELECT id, call_buckets, tenant_buckets, in_flight_until, seq, failure_seqs, opened_at, retry_at
      FROM particle_egress WHERE id = $1::text ${lock ? 'FOR UPDATE' : ''}
  ),
  counted AS (
    SELECT cur.id, cur.opened_at, cur.retry_at, b.buckets, b.calls, b.oldest, l.live, l.expired,
           cur.seq + l.expired AS seq, f.failure_seqs, cardinality(f.failure_seqs) AS failures
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
     CROSS JOIN LATERAL (
       SELECT cur.failure_seqs || ARRAY(SELECT cur.seq + g FROM generate_series(1, l.expired) AS g)
              AS failure_seqs
     ) f
  ),
  settled AS (
    SELECT id, buckets, calls, oldest, live, seq, failure_seqs, failures,
           CASE WHEN expired > 0 AND failures >= $4::int THEN $2::timestamptz ELSE opened_at END AS opened_at,
           CASE WHEN expired > 0 AND failures >= $4::int
                THEN greatest(retry_at, ${reopenAt('failures')}) ELSE retry_at END AS retry_at
      FROM counted
  )`;
}
