import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The token-endpoint budget and failure breaker of one egress IP (particle-cloud.md §0.3, §10), shared by
 * every replica behind it. One row, `default`, until replicas learn which egress IP they use.
 */
@Entity('particle_egress')
export class ParticleEgressEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /**
   * Token calls admitted in the last 5 minutes, counted per 5-second bucket: `[[bucket start ms, calls],
   * ...]`, at most 61 pairs whatever the budget (one timestamp per call grew with the budget and slowed
   * every decision).
   */
  @Column({ name: 'call_buckets', type: 'jsonb', default: '[]' })
  callBuckets: [number, number][];

  /**
   * The same calls per tenant: `[[bucket start ms, tenant id, calls], ...]`, one entry per tenant and
   * bucket in the window. A refused call leaves an entry with 0 calls: the tenant asked, which is what
   * limits the others to their share. Bounded by the budget plus one entry per asking tenant and bucket.
   */
  @Column({ name: 'tenant_buckets', type: 'jsonb', default: '[]' })
  tenantBuckets: [number, string, number][];

  /**
   * One lease per admitted token call whose outcome is not recorded yet (its expiry: the HTTP timeout
   * plus a grace). Calls in flight may all fail, so they count against the lockout margin; a lease that
   * expires unreported (a replica died mid-call) counts as a failure, as Particle may have seen one.
   */
  @Column({ name: 'in_flight_until', type: 'timestamptz', array: true, default: '{}' })
  inFlightUntil: Date[];

  /**
   * Incremented by every admitted token call and every counted failure (expired leases included), so
   * the row alone orders admissions against recorded failures, whatever the replicas' clocks say.
   */
  @Column({ type: 'bigint', default: 0 })
  seq: string;

  /**
   * The sequence number of each failure still counted against Particle's lockout; their number is the
   * consecutive-failure count. A success clears only those recorded before it was admitted: a failure
   * answered later may have reached Particle after the success did.
   */
  @Column({ name: 'failure_seqs', type: 'bigint', array: true, default: '{}' })
  failureSeqs: string[];

  /** Set while the breaker is open: when it last (re)opened, i.e. the last counted failure. */
  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  /** While open: no call before this instant; during a half-open probe: until the probe must have ended. */
  @Column({ name: 'retry_at', type: 'timestamptz', nullable: true })
  retryAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
