import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity.js';

/** A password login waiting for its OTP. The password itself is never stored; only Particle's mfa_token. */
@Entity('mfa_challenges')
export class MfaChallengeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_mfa_challenges_tenant' })
  tenant?: TenantEntity;

  @Column({ name: 'oauth_client_id', type: 'text', nullable: true })
  oauthClientId: string | null;

  @Column({ type: 'text' })
  username: string;

  @Column({ name: 'mfa_token_sealed', type: 'text' })
  mfaTokenSealed: string;

  /** The lifetime asked for in the password step; Particle applies it at the OTP step. */
  @Column({ name: 'requested_expires_in', type: 'integer', nullable: true })
  requestedExpiresIn: number | null;

  @Column({ name: 'attempts_left', type: 'integer' })
  attemptsLeft: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
