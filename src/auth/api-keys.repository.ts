import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ApiKeyEntity, ApiKeyRole } from './api-key.entity.js';

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  tenants: string[];
  keyHash: Buffer;
  keyPrefix: string;
  expiresAt: Date | null;
}

/** More work committed with a write (an admin action's audit row), given what the write stored. */
export type AlsoWith<T> = (em: EntityManager, written: T) => Promise<void>;

@Injectable()
export class ApiKeysRepository {
  private readonly repo: Repository<ApiKeyEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(ApiKeyEntity);
  }

  /** `also` (the action's audit row) commits with the key, or neither does. */
  async create(key: NewApiKey, also?: AlsoWith<ApiKeyEntity>): Promise<ApiKeyEntity> {
    return this.dataSource.transaction(async (em) => {
      const saved = await em.save(em.create(ApiKeyEntity, { ...key, lastUsedAt: null }));
      await also?.(em, saved);
      return saved;
    });
  }

  /**
   * Creates the key only while the table is empty, in one statement: the development key of a first
   * start must never be added beside keys someone already made.
   */
  async createIfNoneExists(key: NewApiKey): Promise<string | undefined> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO api_keys (name, role, tenants, key_hash, key_prefix, expires_at)
       SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM api_keys)
       RETURNING id`,
      [key.name, key.role, key.tenants, key.keyHash, key.keyPrefix, key.expiresAt],
    );
    return rows[0]?.id;
  }

  findByHash(hash: Buffer): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ keyHash: hash });
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ id });
  }

  listNewestFirst(): Promise<ApiKeyEntity[]> {
    return this.repo.find({ order: { createdAt: 'DESC' } });
  }

  /**
   * A successor with the same name, role, tenants and expiry; the old key expires at `oldExpiresAt` (now,
   * or the end of a grace period, never later than it would have anyway). One transaction, with `also`:
   * no moment without a working key, and no rotation without its audit row.
   */
  async rotate(
    old: ApiKeyEntity,
    next: { keyHash: Buffer; keyPrefix: string },
    oldExpiresAt: Date,
    also?: AlsoWith<ApiKeyEntity>,
  ): Promise<ApiKeyEntity> {
    return this.dataSource.transaction(async (em) => {
      const successor = await em.save(
        em.create(ApiKeyEntity, {
          name: old.name,
          role: old.role,
          tenants: old.tenants,
          keyHash: next.keyHash,
          keyPrefix: next.keyPrefix,
          expiresAt: old.expiresAt,
          lastUsedAt: null,
        }),
      );
      const until = old.expiresAt && old.expiresAt < oldExpiresAt ? old.expiresAt : oldExpiresAt;
      await em.update(ApiKeyEntity, { id: old.id }, { expiresAt: until });
      await also?.(em, successor);
      return successor;
    });
  }

  /**
   * Inside a tenant's deletion: the tenant leaves every key's list, and a non-admin key left with none
   * expires now (disabled: it authenticates no more). Admin keys act for every tenant whatever their list
   * says, so an empty list takes nothing from them. Returns the hashes of the keys it changed.
   */
  async removeTenantFromAll(em: EntityManager, tenantId: string, now: Date): Promise<Buffer[]> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE ... RETURNING with [rows, count], not rows.
    const rows = await em.query<{ key_hash: Buffer }[]>(
      `WITH changed AS (
         UPDATE api_keys
            SET tenants = array_remove(tenants, $1),
                expires_at = CASE WHEN role <> 'admin' AND cardinality(array_remove(tenants, $1)) = 0
                                  THEN LEAST(COALESCE(expires_at, $2::timestamptz), $2::timestamptz)
                                  ELSE expires_at END
          WHERE $1 = ANY(tenants)
          RETURNING key_hash)
       SELECT key_hash FROM changed`,
      [tenantId, now.toISOString()],
    );
    return rows.map((r) => r.key_hash);
  }

  /** `also` runs only when a key was deleted, and commits with the deletion. */
  async deleteById(id: string, also?: AlsoWith<undefined>): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result = await em.delete(ApiKeyEntity, { id });
      if ((result.affected ?? 0) === 0) return false;
      await also?.(em, undefined);
      return true;
    });
  }

  /** One statement for every key used since the last flush; never moves a timestamp backwards. */
  async recordLastUsed(uses: ReadonlyMap<string, Date>): Promise<void> {
    if (uses.size === 0) return;
    await this.dataSource.query(
      `UPDATE api_keys k SET last_used_at = u.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [[...uses.keys()], [...uses.values()].map((d) => d.toISOString())],
    );
  }
}
