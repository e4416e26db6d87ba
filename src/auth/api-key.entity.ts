import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** `proxy`: the Particle proxy only, for its tenants; such a caller never receives a Particle token (§6). */
export type ApiKeyRole = 'admin' | 'service' | 'proxy';
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['admin', 'service', 'proxy'];

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: ApiKeyRole;

  /** Tenant ids this key may act for, or `['*']`. */
  @Column({ type: 'text', array: true })
  tenants: string[];

  /** SHA-256 of the whole key: keys are 256-bit random, so a fast hash is enough and lookups stay O(1). */
  @Index('ux_api_keys_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'bytea' })
  keyHash: Buffer;

  /** The first characters of the key, to recognise it in lists without being usable. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
