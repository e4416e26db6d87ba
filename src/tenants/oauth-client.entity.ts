import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { TenantEntity } from './tenant.entity.js';

export type OAuthClientType = 'installed' | 'web';
/** `invalid` once Particle answered `invalid_client` for the active secret: the client, not each tenant, is at fault. */
export type OAuthClientStatus = 'active' | 'invalid';

@Entity('oauth_clients')
export class OAuthClientEntity {
  /** The broker's own id for this app, chosen by ops. */
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Null: an app shared by all tenants (connect flow). */
  @Index('ix_oauth_clients_tenant')
  @Column({ name: 'tenant_id', type: 'text', nullable: true })
  tenantId: string | null;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_oauth_clients_tenant' })
  tenant?: TenantEntity;

  /** Particle's client id of the active secret version. */
  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ type: 'text' })
  type: OAuthClientType;

  @Column({ name: 'product_id', type: 'text', nullable: true })
  productId: string | null;

  @Column({ name: 'redirect_uri', type: 'text', nullable: true })
  redirectUri: string | null;

  @Column({ type: 'text', default: 'active' })
  status: OAuthClientStatus;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
