import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { WriteAudit } from '../audit/audit.repository.js';
import { queryPrepared } from '../database/prepared-statement.js';
import { CREDENTIAL_CHANNEL } from './credential-changes.listener.js';
import { CredentialEntity } from './credential.entity.js';
import {
  CALL_UP_FOR_CLIENT,
  COUNT_CUSTOMER_ROWS,
  DELETE_AND_NOTIFY,
  DUE_AND_FREE,
  FREE_TO_LEASE,
  leasedWrite,
} from './credentials.statements.js';
import {
  failureColumns,
  FailureUpdate,
  Lease,
  NewCredential,
  renewedColumns,
  RenewedTokens,
} from './credential-writes.js';

/** More work committed with a write (an admin action's audit row), given what the write stored. */
export type InTransaction<T> = (em: EntityManager, written: T) => Promise<void>;

/**
 * The only writer of the `credentials` table. Every write notifies the tenant at commit (CREDENTIAL_CHANNEL),
 * which evicts cached tokens on every replica and wakes callers waiting for a renewal. Renewals are
 * coordinated by a lease column, never by a row lock held across a call to Particle: a lease is taken and
 * written back by short statements, and a write under a lease succeeds only while the lease and the
 * version still hold.
 */
@Injectable()
export class CredentialsRepository {
  private readonly repo: Repository<CredentialEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(CredentialEntity);
  }

  /** `also` (the action's audit row) commits with the credential, or neither does. */
  async insert(c: NewCredential, also?: InTransaction<CredentialEntity>): Promise<CredentialEntity> {
    return this.dataSource.transaction(async (em) => {
      await em.insert(CredentialEntity, {
        ...c,
        status: 'active',
        failureCount: 0,
        lastError: null,
        version: 1,
      });
      await notifyChanged(em, c.tenantId);
      const saved = await em.findOneByOrFail(CredentialEntity, { id: c.id });
      await also?.(em, saved);
      return saved;
    });
  }

  /**
   * The tenant's credential for one customer, created without a token when missing (the first caller's
   * renewal then mints it under its lease). The unique index makes concurrent creators share one row.
   * A new row is added only while the tenant holds fewer than `limit` customer rows: creators of one
   * tenant take turns on a transaction-scoped advisory lock, so replicas together cannot pass the bound.
   * Null when the bound refused it.
   */
  async ensureCustomerCredential(
    base: CredentialEntity,
    scope: string,
    id: string,
    limit: number,
  ): Promise<CredentialEntity | null> {
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CUSTOMER_LOCK_SPACE, base.tenantId]);
      const existing = await this.findCustomer(em, base, scope);
      if (existing) return existing;
      const [{ n }] = await em.query<[{ n: string }]>(COUNT_CUSTOMER_ROWS, [base.tenantId]);
      if (Number(n) >= limit) return null;
      await this.insertCustomer(em, base, scope, id);
      return this.findCustomer(em, base, scope);
    });
  }

  private findCustomer(em: EntityManager, base: CredentialEntity, scope: string) {
    return em.findOneBy(CredentialEntity, {
      tenantId: base.tenantId,
      oauthClientId: base.oauthClientId ?? '',
      kind: 'client_credentials',
      scope,
    });
  }

  private async insertCustomer(
    em: EntityManager,
    base: CredentialEntity,
    scope: string,
    id: string,
  ): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(CredentialEntity)
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

  /** `actor`: the `by` of the trigger's `credential.revoked`, a transaction-local setting (never pooled). */
  async deleteById(id: string, also?: InTransaction<undefined>, actor?: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      if (actor) await em.query("SELECT set_config('broker.actor', $1, true)", [actor]);
      await em.query(DELETE_AND_NOTIFY, [id, CREDENTIAL_CHANNEL]);
      await also?.(em, undefined);
    });
  }

  /**
   * Inside another module's transaction (an OAuth client rotation): the client's renewable credentials
   * are due at once, so they move to the new secret at the next sweep; authorization_code ones are
   * looked at too, and the renewer marks them needs_reauth when the client id changed (their refresh
   * tokens only work with the old client, particle-cloud.md §0.5).
   */
  async callUpForClient(em: EntityManager, oauthClientId: string, now: Date): Promise<void> {
    await em.query(CALL_UP_FOR_CLIENT, [oauthClientId, now.toISOString()]);
  }

  /**
   * Claims up to `limit` due credentials for a sweep. SKIP LOCKED lets replicas claim disjoint rows at
   * once; the lease columns keep them claimed after this short statement (and let them be reclaimed when
   * a replica dies mid-renewal and its lease runs out).
   */
  async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<CredentialEntity[]> {
    return this.lease(owner, leaseUntil, DUE_AND_FREE, { now, limit });
  }

  /** One credential's lease for a caller, when nobody holds it; null when someone does (or it is gone). */
  async acquireLease(
    id: string,
    owner: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<CredentialEntity | null> {
    return (await this.lease(owner, leaseUntil, FREE_TO_LEASE, { id, now }))[0] ?? null;
  }

  /** Pushes a held lease's end out, so a call about to start cannot outlive it. */
  async extendLease(c: CredentialEntity, lease: Lease, leaseUntil: Date): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set({ leaseUntil })
      .where('id = :id AND lease_owner = :owner AND version = :version', {
        id: c.id,
        owner: lease.owner,
        version: lease.version,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * The new tokens (and their audit row, when given) in one statement: a renewal is the sweep's most
   * frequent write, and a separate audit INSERT per renewal was measured at about a tenth of a lane's time.
   */
  async saveRenewedIfLeased(
    c: CredentialEntity,
    lease: Lease,
    tokens: RenewedTokens,
    audit?: WriteAudit,
  ): Promise<boolean> {
    return this.writeIfLeased(c, lease, renewedColumns(tokens, lease.version), true, audit);
  }

  async saveFailureIfLeased(c: CredentialEntity, lease: Lease, failure: FailureUpdate): Promise<boolean> {
    return this.writeIfLeased(c, lease, failureColumns(failure, c.failureCount));
  }

  /** A checked non-renewable token: new expiry and status, no new token. */
  async saveCheckedIfLeased(
    c: CredentialEntity,
    lease: Lease,
    update: { accessExpiresAt: Date | null; status: 'active' | 'expiring'; nextAttemptAt: Date | null },
  ): Promise<boolean> {
    const columns = { ...update, failureCount: 0, lastError: null, leaseOwner: null, leaseUntil: null };
    return this.writeIfLeased(c, lease, columns);
  }

  /**
   * Gives a lease back untouched; `nextAttemptAt` moves the sweep's next look. Callers waiting for the
   * credential are woken (`notify`) when one of them gave it back.
   */
  async releaseLease(
    c: CredentialEntity,
    lease: Lease,
    nextAttemptAt?: Date,
    notify = false,
  ): Promise<boolean> {
    const columns = { leaseOwner: null, leaseUntil: null, ...(nextAttemptAt ? { nextAttemptAt } : {}) };
    return this.writeIfLeased(c, lease, columns, notify);
  }

  /** At shutdown: everything this replica still holds goes back at once, not when the leases expire. */
  async releaseAllOwnedBy(owner: string): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set({ leaseOwner: null, leaseUntil: null })
      .where('lease_owner = :owner', { owner })
      .execute();
    return result.affected ?? 0;
  }

  /**
   * Takes the lease of the rows `where` picks, then reads back only rows still under it: were this replica frozen between taking a lease and reading the
   * rows, others may have taken them over and renewed them, and a row read without its lease would look
   * free and be renewed again (the chaos SIGSTOP test caught exactly that).
   */
  private async lease(
    owner: string,
    leaseUntil: Date,
    where: string,
    params: Record<string, unknown>,
  ): Promise<CredentialEntity[]> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set({ leaseOwner: owner, leaseUntil })
      .where(where, params)
      .returning('id')
      .execute();
    const ids = (result.raw as { id: string }[]).map((r) => r.id);
    if (ids.length === 0) return [];
    return this.repo
      .createQueryBuilder('c')
      .where('c.id IN (:...ids) AND c.lease_owner = :owner AND c.lease_until = :leaseUntil', {
        ids,
        owner,
        leaseUntil,
      })
      .orderBy('c.next_attempt_at', 'ASC')
      .getMany();
  }

  /**
   * One statement, so one round trip: the write only if the lease and the version still hold, and the
   * notification (delivered at commit) and the audit row only if it wrote.
   */
  private async writeIfLeased(
    c: CredentialEntity,
    lease: Lease,
    columns: Partial<CredentialEntity>,
    notify = true,
    audit?: WriteAudit,
  ): Promise<boolean> {
    const [update, params]: [string, unknown[]] = this.dataSource
      .createQueryBuilder()
      .update(CredentialEntity)
      .set(columns)
      .where('id = :id AND lease_owner = :owner AND version = :version', {
        id: c.id,
        owner: lease.owner,
        version: lease.version,
      })
      .getQueryAndParameters();
    const statement = leasedWrite(update, params, notify ? CREDENTIAL_CHANNEL : undefined, audit);
    const rows = await queryPrepared<object>(this.dataSource, statement.prepared, statement.values);
    return rows.length > 0;
  }
}

/** First key of the advisory locks that serialise creators of one tenant's customer rows. */
const CUSTOMER_LOCK_SPACE = 7_301;

/** Delivered at commit to every replica's listener, which evicts the tenant's cached tokens. */
async function notifyChanged(em: EntityManager, tenantId: string): Promise<void> {
  await em.query('SELECT pg_notify($1, $2)', [CREDENTIAL_CHANNEL, tenantId]);
}
