import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { OAuthClientEntity } from './oauth-client.entity.js';

/** `active`: used for every call; `previous`: fallback until `retire_after`; `retired`: never used again. */
export type SecretState = 'active' | 'previous' | 'retired';

@Entity('oauth_client_secrets')
@Index('ux_oauth_client_secrets_version', ['oauthClientId', 'version'], { unique: true })
export class OAuthClientSecretEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'oauth_client_id', type: 'text' })
  oauthClientId: string;

  @ManyToOne(() => OAuthClientEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'oauth_client_id', foreignKeyConstraintName: 'fk_oauth_client_secrets_client' })
  oauthClient?: OAuthClientEntity;

  @Column({ type: 'integer' })
  version: number;

  /** Rotation may move to a new Particle client, so each secret remembers the client id it belongs to. */
  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  /** SecretBox-sealed, bound to (oauth_client_secrets, secret, id). */
  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  @Column({ type: 'text' })
  state: SecretState;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'retire_after', type: 'timestamptz', nullable: true })
  retireAfter: Date | null;

  /**
   * Set for clients the broker manages at Particle (rotation mode "particle"): the credential whose token
   * may create and delete clients for this tenant.
   */
  @Column({ name: 'management_credential_id', type: 'uuid', nullable: true })
  managementCredentialId: string | null;

  /** When the broker should delete this version's client at Particle (the end of its grace period). */
  @Column({ name: 'particle_delete_after', type: 'timestamptz', nullable: true })
  particleDeleteAfter: Date | null;

  @Column({ name: 'particle_deleted_at', type: 'timestamptz', nullable: true })
  particleDeletedAt: Date | null;
}
