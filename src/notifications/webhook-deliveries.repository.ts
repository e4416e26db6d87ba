import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  endpointId: string;
  url: string;
  /** Attempts made before this one. */
  attempt: number;
  type: string;
  data: Record<string, unknown>;
  eventCreatedAt: Date;
  /** The endpoint's sealed secrets that sign a delivery made now, newest first. */
  secrets: { id: string; sealed: string }[];
}

export interface DeliveryOutcome {
  state: DeliveryState;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  at: Date;
  /** When the next attempt is due (pending); unchanged otherwise. */
  nextAttemptAt: Date | null;
}

/** An outcome and the delivery it is of. */
export interface SavedOutcome extends DeliveryOutcome {
  id: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  type: string;
  attempt: number;
  state: DeliveryState;
  statusCode: number | null;
  error: string | null;
  at: Date;
  nextAttemptAt: Date | null;
}

export interface ClaimLimits {
  limit: number;
  /** At most this many of one endpoint per claim, so one slow endpoint cannot take every slot. */
  perEndpoint: number;
  /** Endpoints this replica already has enough of in flight. */
  skipEndpoints: readonly string[];
}

/**
 * Due deliveries nobody holds, in id order. An earlier pending delivery with the same ordering key to the
 * same endpoint holds a later one back (events of one credential arrive in order). SKIP LOCKED lets
 * replicas claim disjoint rows at once; the lease keeps them claimed after this statement, and lets
 * another replica take them over when a replica dies mid-delivery. The endpoint's signing secrets come
 * with each delivery (read, never written here), in the same round trip as the claim.
 *
 * The lease is written through `id = ANY(ARRAY(...))`, not a join with `picked`: on statistics taken
 * before a backlog came (a new table, a quiet outbox), the join was a hash join over a scan of the
 * whole table, at every claim (measured); the array is always the primary key's index.
 */
const CLAIM = `
WITH candidates AS (
  SELECT c.id, c.endpoint_id FROM webhook_deliveries c
   WHERE c.state = 'pending' AND c.next_attempt_at <= $2 AND (c.lease_until IS NULL OR c.lease_until < $2)
     AND NOT (c.endpoint_id = ANY($6::uuid[]))
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                      WHERE p.state = 'pending' AND p.endpoint_id = c.endpoint_id
                        AND p.ordering_key = c.ordering_key AND p.id < c.id)
   ORDER BY c.id LIMIT $4::int * 4
   FOR UPDATE OF c SKIP LOCKED
), picked AS (
  SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY endpoint_id ORDER BY id) AS n FROM candidates) x
   WHERE n <= $5::int ORDER BY id LIMIT $4::int
), claimed AS (
  UPDATE webhook_deliveries d SET lease_owner = $1, lease_until = $3
   WHERE d.id = ANY(ARRAY(SELECT id FROM picked))
  RETURNING d.id, d.event_id, d.endpoint_id, d.attempt
)
SELECT c.id::text AS id, c.event_id AS "eventId", c.endpoint_id AS "endpointId", c.attempt, w.url,
       e.type, e.data, e.created_at AS "eventCreatedAt", s.secrets
  FROM claimed c
  JOIN webhook_events e ON e.id = c.event_id
  JOIN webhook_endpoints w ON w.id = c.endpoint_id
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object('id', k.id, 'sealed', k.secret_sealed)
                             ORDER BY k.created_at DESC, k.id), '[]') AS secrets
      FROM webhook_secrets k WHERE k.endpoint_id = c.endpoint_id AND (k.expires_at IS NULL OR k.expires_at > $2)
  ) s
 ORDER BY c.id`;

/**
 * Outcomes of several attempts in one statement, given as one JSON array (one native JSON.stringify, and
 * one parameter however many there are). A row is written only while this replica's lease on it holds.
 * The ids come again as an array ($3) for the planner: it cannot see into the JSON (it guesses 100 rows)
 * and, with `lease_owner = $1` estimated at one row, chose a scan of the whole table per statement
 * (1.8 ms on a 10,000 backlog, measured); `id = ANY($3)` makes it the primary key's index (0.1 ms).
 */
const SAVE_OUTCOMES = `
UPDATE webhook_deliveries d
   SET state = o.state, attempt = o.attempt, status_code = o.status_code, error = o.error,
       last_attempt_at = to_timestamp(o.at_ms / 1000.0),
       next_attempt_at = coalesce(to_timestamp(o.next_ms / 1000.0), d.next_attempt_at),
       lease_owner = NULL, lease_until = NULL
  FROM jsonb_to_recordset($2::jsonb) AS o(id bigint, state text, attempt int, status_code int, error text,
                                          at_ms bigint, next_ms bigint)
 WHERE d.id = ANY($3::bigint[]) AND d.id = o.id AND d.lease_owner = $1
RETURNING d.id::text AS id`;

/** The only writer of `webhook_deliveries` past their creation (by `webhook_enqueue`). */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Planned at each call, not prepared: a replica starts on an empty outbox, and the generic plan
   * PostgreSQL settles on after a few claims of nothing turned into a nested loop over the whole backlog
   * once events came (claims of seconds, measured). Planning costs about a millisecond per half-batch.
   */
  claimDue(owner: string, now: Date, leaseUntil: Date, l: ClaimLimits): Promise<ClaimedDelivery[]> {
    return this.dataSource.query<ClaimedDelivery[]>(CLAIM, [
      owner,
      now,
      leaseUntil,
      l.limit,
      l.perEndpoint,
      l.skipEndpoints,
    ]);
  }

  /**
   * Written only while this replica's lease holds: a replica that lost it (frozen, then taken over) writes
   * nothing for that row. One statement for all of `outcomes` (the worker's group commit); the ids written.
   */
  async saveOutcomesIfLeased(owner: string, outcomes: readonly SavedOutcome[]): Promise<string[]> {
    const rows = JSON.stringify(
      outcomes.map((o) => ({
        id: o.id,
        state: o.state,
        attempt: o.attempt,
        status_code: o.statusCode,
        error: o.error,
        // Epoch milliseconds: cheaper to stringify than a Date, and exact to the millisecond.
        at_ms: o.at.getTime(),
        next_ms: o.nextAttemptAt?.getTime() ?? null,
      })),
    );
    // Not prepared either, for the same reason as the claim (a generic plan made on an empty table).
    const saved = await this.dataSource.query<{ id: string }[]>(SAVE_OUTCOMES, [
      owner,
      rows,
      outcomes.map((o) => o.id),
    ]);
    return saved.map((r) => r.id);
  }

  /**
   * Fresh planner statistics for the outbox. Taken on a quiet outbox, they say almost nothing is pending,
   * and the claim is then planned as if the backlog were a few rows: every pending row read and checked
   * against its predecessors at each claim (3.1 M index probes for a backlog of 10,000, measured), where
   * the plan made on true figures reads a batch's worth in id order. Autovacuum analyzes too late for a
   * burst (a minute at the least). Statistics that overstate the backlog once it drains are harmless: the
   * plans they give read little whatever the backlog is. SKIP_LOCKED: while another replica's ANALYZE or a
   * VACUUM holds the table, this one is skipped instead of holding a pooled connection until it ends.
   */
  async refreshStatistics(): Promise<void> {
    await this.dataSource.query('ANALYZE (SKIP_LOCKED) webhook_deliveries');
  }

  /** At shutdown: what this replica still holds goes back at once, not when its leases run out. */
  async releaseAllOwnedBy(owner: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1',
      [owner],
    );
  }

  /** One endpoint's deliveries, newest first, older than the `before` cursor when given. */
  pageForEndpoint(endpointId: string, limit: number, before?: string): Promise<DeliveryView[]> {
    return this.dataSource.query<DeliveryView[]>(
      `SELECT d.id::text AS id, d.event_id AS "eventId", e.type, d.attempt, d.state,
              d.status_code AS "statusCode", d.error, coalesce(d.last_attempt_at, d.created_at) AS at,
              CASE WHEN d.state = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt"
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.endpoint_id = $1 AND ($3::bigint IS NULL OR d.id < $3::bigint)
        ORDER BY d.id DESC LIMIT $2`,
      [endpointId, limit, before ?? null],
    );
  }

  /**
   * Endpoints whose newest attempted delivery did not succeed (failed for good, or waiting for a retry):
   * one endpoint that is down is one, however many events queue for it. Walks each endpoint's deliveries
   * newest first on its (endpoint_id, id) index and stops at the first attempted one.
   */
  async countFailingEndpoints(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM webhook_endpoints e
         CROSS JOIN LATERAL (SELECT d.state FROM webhook_deliveries d
                              WHERE d.endpoint_id = e.id AND d.attempt > 0 ORDER BY d.id DESC LIMIT 1) last
        WHERE last.state <> 'delivered'`,
    );
    return Number(row?.n ?? 0);
  }

  /** For the metrics: pending deliveries and the age of the oldest, in seconds. */
  async backlog(now: Date): Promise<{ pending: number; oldestSeconds: number }> {
    const [row] = await this.dataSource.query<{ pending: string; oldest: Date | null }[]>(
      `SELECT count(*) AS pending, min(created_at) AS oldest FROM webhook_deliveries WHERE state = 'pending'`,
    );
    const oldest = row?.oldest ? Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000) : 0;
    return { pending: Number(row?.pending ?? 0), oldestSeconds: oldest };
  }
}
