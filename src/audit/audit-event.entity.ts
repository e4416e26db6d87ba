import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Append-only: nothing updates or deletes these rows. No foreign keys, so events outlive their tenant. */
@Entity('audit_events')
@Index('ix_audit_events_tenant', ['tenantId', 'id'])
@Index('ix_audit_events_action', ['action', 'id'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  /** An API key id, or `system` for the scheduler and start-up work. */
  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'tenant_id', type: 'text', nullable: true })
  tenantId: string | null;

  @Column({ type: 'text', nullable: true })
  target: string | null;

  @Column({ type: 'text' })
  outcome: AuditOutcome;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;
}
