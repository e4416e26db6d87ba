import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { CREDENTIAL_CHANNEL } from './credential-changes.listener.js';
import { CredentialEntity, CredentialKind, CredentialStatus } from './credential.entity.js';

export interface NewCredential {
  id: string;
  tenantId: string;
  kind: CredentialKind;
  oauthClientId: string | null;
  issuerClientId: string | null;
  scope: string | null;
  username: string | null;
  accessTokenSealed: string;
  refreshTokenSealed: string | null;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
  lastRenewedAt: Date;
  nextAttemptAt: Date | null;
}

export interface RenewedTokens {
  accessTokenSealed: string;
  /** Undefined: keep the stored refresh token; null: drop it. */
  refreshTokenSealed?: string | null;
  accessExpiresAt: Date | null;
  refreshExpiresAt?: Date | null;
  issuerClientId: string | null;
  renewedAt: Date;
  nextAttemptAt: Date | null;
}

export interface FailureUpdate {
  status: CredentialStatus;
  lastError: string;
  nextAttemptAt: Date | null;
}

/** Writes allowed while a credential's row is locked for renewal. */
export interface LockedCredentialWriter {
  saveRenewed(tokens: RenewedTokens): Promise<void>;
  saveFailure(failure: FailureUpdate): Promise<void>;
}

@Injectable()
export class CredentialsRepository {
  private readonly repo: Repository<CredentialEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(CredentialEntity);
  }

  async insert(c: NewCredential): Promise<CredentialEntity> {
    return this.dataSource.transaction(async (em) => {
      await em.insert(CredentialEntity, {
        ...c,
        status: 'active',
        failureCount: 0,
        lastError: null,
        version: 1,
      });
      await notifyChanged(em, c.tenantId);
      return em.findOneByOrFail(CredentialEntity, { id: c.id });
    });
  }

  /**
   * The tenant's credential for one customer, created without a token when missing (the first caller's
   * renewal then mints it under the row lock). The unique index makes concurrent creators share one row.
   */
  async ensureCustomerCredential(
    base: CredentialEntity,
    scope: string,
    id: string,
  ): Promise<CredentialEntity> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({
        id,
        tenantId: base.tenantId,
        kind: 'client_credentials',
        oauthClientId: base.oauthClientId,
        issuerClientId: base.issuerClientId,
        scope,
        status: 'active',
        failureCount: 0,
        version: 1,
        nextAttemptAt: null,
      })
      .orIgnore()
      .execute();
    return this.repo.findOneByOrFail({
      tenantId: base.tenantId,
      oauthClientId: base.oauthClientId ?? '',
      kind: 'client_credentials',
      scope,
    });
  }

  findById(id: string): Promise<CredentialEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findForTenant(tenantId: string, id: string): Promise<CredentialEntity | null> {
    return this.repo.findOneBy({ tenantId, id });
  }

  listForTenant(tenantId: string): Promise<CredentialEntity[]> {
    return this.repo.find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  async deleteById(id: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const found = await em.findOneBy(CredentialEntity, { id });
      if (!found) return;
      await em.delete(CredentialEntity, { id });
      await notifyChanged(em, found.tenantId);
    });
  }

  /**
   * Runs `work` holding the credential's row lock, so that across every replica one caller renews and
   * the others wait here, then find the new token. Waiting is bounded by `lockTimeoutMs`.
   */
  async withRenewalLock<T>(
    id: string,
    lockTimeoutMs: number,
    work: (locked: CredentialEntity | null, writer: LockedCredentialWriter) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query(`SELECT set_config('lock_timeout', $1, true)`, [
        `${Math.max(1, Math.round(lockTimeoutMs))}ms`,
      ]);
      const locked = await em
        .createQueryBuilder(CredentialEntity, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :id', { id })
        .getOne();
      const writer: LockedCredentialWriter = {
        saveRenewed: async (tokens) => {
          if (!locked) return;
          await em.update(CredentialEntity, { id }, renewedColumns(tokens, locked.version));
          await notifyChanged(em, locked.tenantId);
        },
        saveFailure: async (failure) => {
          if (!locked) return;
          await em.update(CredentialEntity, { id }, failureColumns(failure, locked.failureCount));
          await notifyChanged(em, locked.tenantId);
        },
      };
      return work(locked, writer);
    });
  }
}

export function renewedColumns(t: RenewedTokens, version: number): Partial<CredentialEntity> {
  return {
    accessTokenSealed: t.accessTokenSealed,
    ...(t.refreshTokenSealed !== undefined ? { refreshTokenSealed: t.refreshTokenSealed } : {}),
    ...(t.refreshExpiresAt !== undefined ? { refreshExpiresAt: t.refreshExpiresAt } : {}),
    accessExpiresAt: t.accessExpiresAt,
    issuerClientId: t.issuerClientId,
    status: 'active',
    failureCount: 0,
    lastError: null,
    lastRenewedAt: t.renewedAt,
    nextAttemptAt: t.nextAttemptAt,
    version: version + 1,
    leaseOwner: null,
    leaseUntil: null,
  };
}

export function failureColumns(f: FailureUpdate, failureCount: number): Partial<CredentialEntity> {
  return {
    status: f.status,
    lastError: f.lastError.slice(0, 500),
    failureCount: failureCount + 1,
    nextAttemptAt: f.nextAttemptAt,
    leaseOwner: null,
    leaseUntil: null,
  };
}

/** Delivered at commit to every replica's listener, which evicts the tenant's cached tokens. */
export async function notifyChanged(em: EntityManager, tenantId: string): Promise<void> {
  await em.query('SELECT pg_notify($1, $2)', [CREDENTIAL_CHANNEL, tenantId]);
}
