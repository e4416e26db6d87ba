import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OAuthClientEntity } from '../tenants/oauth-client.entity.js';
import { TenantEntity } from '../tenants/tenant.entity.js';

/**
 * A one-time connect link for a tenant's person. Only hashes of the link token and of the OAuth `state`
 * are stored, so a database read gives nobody a usable link or callback.
 */
@Entity('connect_sessions')
export class ConnectSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Index('ux_connect_sessions_link', { unique: true })
  @Column({ name: 'link_hash', type: 'bytea' })
  linkHash: Buffer;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_connect_sessions_tenant' })
  tenant?: TenantEntity;

  @Column({ name: 'oauth_client_id', type: 'text' })
  oauthClientId: string;

  @ManyToOne(() => OAuthClientEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'oauth_client_id', foreignKeyConstraintName: 'fk_connect_sessions_oauth_client' })
  oauthClient?: OAuthClientEntity;

  @Column({ name: 'return_to', type: 'text', nullable: true })
  returnTo: string | null;

  /** Set when the link is opened; the callback must present the matching state exactly once. */
  @Index('ux_connect_sessions_state', { unique: true })
  @Column({ name: 'state_hash', type: 'bytea', nullable: true })
  stateHash: Buffer | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  /** Set once, atomically, by the callback that consumes the state: a replay finds it already set. */
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Column({ name: 'credential_id', type: 'uuid', nullable: true })
  credentialId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
