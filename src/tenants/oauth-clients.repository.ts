import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, LessThanOrEqual, Repository } from 'typeorm';
import { prepared, queryPrepared } from '../database/prepared-statement.js';
import { OAuthClientSecretEntity, SecretState } from './oauth-client-secret.entity.js';
import { OAuthClientEntity } from './oauth-client.entity.js';

export interface NewOAuthClient {
  id: string;
  tenantId: string | null;
  clientId: string;
  type: 'installed' | 'web';
  productId: string | null;
  redirectUri: string | null;
}

type UsableSecret = Pick<OAuthClientSecretEntity, 'id' | 'clientId' | 'secretSealed' | 'retireAfter'>;

/** What a renewal needs of a client: it is read on every renewal's path. */
export interface UsableClientRecord {
  client: Pick<OAuthClientEntity, 'id' | 'tenantId' | 'type' | 'productId' | 'redirectUri' | 'status'>;
  secret: UsableSecret;
  previous: UsableSecret | null;
}

type UsableClientRow = UsableClientRecord['client'] & {
  secretId: string;
  secretClientId: string;
  secretSealed: string;
  state: SecretState;
  retireAfter: Date | null;
};

/** One prepared statement instead of two entity queries: a renewal's only read besides its claim. */
const FIND_USABLE = prepared(`
SELECT c.id, c.tenant_id AS "tenantId", c.type, c.product_id AS "productId", c.redirect_uri AS "redirectUri",
       c.status, s.id AS "secretId", s.client_id AS "secretClientId", s.secret_sealed AS "secretSealed",
       s.state, s.retire_after AS "retireAfter"
  FROM oauth_clients c
  JOIN oauth_client_secrets s ON s.oauth_client_id = c.id AND s.state IN ('active', 'previous')
 WHERE c.id = $1`);

export interface ClientWithSecrets {
  client: OAuthClientEntity;
  secrets: OAuthClientSecretEntity[];
}

/** More work of another table's repository, committed with a rotation. */
export type InTransaction = (em: EntityManager) => Promise<void>;

@Injectable()
export class OAuthClientsRepository {
  private readonly clients: Repository<OAuthClientEntity>;
  private readonly secrets: Repository<OAuthClientSecretEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.clients = dataSource.getRepository(OAuthClientEntity);
    this.secrets = dataSource.getRepository(OAuthClientSecretEntity);
  }

  /**
   * The client and its first secret version in one transaction, with `also` (the action's audit row).
   * `sealSecret` gets the secret row's id, which the ciphertext is bound to. Undefined: the id is taken.
   */
  async createWithFirstSecret(
    client: NewOAuthClient,
    secretRowId: string,
    sealedSecret: string,
    also?: (em: EntityManager, created: ClientWithSecrets) => Promise<void>,
  ): Promise<ClientWithSecrets | undefined> {
    return this.dataSource.transaction(async (em) => {
      const inserted = await em
        .createQueryBuilder()
        .insert()
        .into(OAuthClientEntity)
        .values({ ...client, status: 'active', lastError: null })
        .orIgnore()
        .returning('id')
        .execute();
      if ((inserted.raw as unknown[]).length === 0) return undefined;
      await em.insert(OAuthClientSecretEntity, {
        id: secretRowId,
        oauthClientId: client.id,
        version: 1,
        clientId: client.clientId,
        secretSealed: sealedSecret,
        state: 'active',
        retireAfter: null,
      });
      const saved = await em.findOneByOrFail(OAuthClientEntity, { id: client.id });
      const secrets = await em.findBy(OAuthClientSecretEntity, { oauthClientId: client.id });
      await also?.(em, { client: saved, secrets });
      return { client: saved, secrets };
    });
  }

  async findWithSecrets(id: string): Promise<ClientWithSecrets | undefined> {
    const client = await this.clients.findOneBy({ id });
    if (!client) return undefined;
    return {
      client,
      secrets: await this.secrets.find({ where: { oauthClientId: id }, order: { version: 'DESC' } }),
    };
  }

  /** The client with its active secret and its fallback, if any; undefined without an active secret. */
  async findWithActiveSecret(id: string): Promise<UsableClientRecord | undefined> {
    const rows = await queryPrepared<UsableClientRow>(this.dataSource, FIND_USABLE, [id]);
    const [first] = rows;
    if (!first) return undefined;
    const secretOf = (state: SecretState): UsableSecret | null => {
      const row = rows.find((r) => r.state === state);
      return row
        ? {
            id: row.secretId,
            clientId: row.secretClientId,
            secretSealed: row.secretSealed,
            retireAfter: row.retireAfter,
          }
        : null;
    };
    const secret = secretOf('active');
    if (!secret) return undefined;
    const { id: clientRowId, tenantId, type, productId, redirectUri, status } = first;
    return {
      client: { id: clientRowId, tenantId, type, productId, redirectUri, status },
      secret,
      previous: secretOf('previous'),
    };
  }

  /**
   * A new active secret version in one transaction with `alsoInTransaction` (credentials called up, the
   * event, the audit row): the active one is the fallback until `retireAfter` (null: retired at once),
   * older fallbacks are retired, the client follows the new Particle client id. False: the client vanished.
   */
  async rotate(
    id: string,
    next: { secretRowId: string; clientId: string; sealed: string; managementCredentialId?: string },
    retireAfter: Date | null,
    now: Date,
    alsoInTransaction: InTransaction,
  ): Promise<boolean> {
    const managed = next.managementCredentialId ?? null;
    return this.dataSource.transaction(async (em) => {
      const client = await em
        .createQueryBuilder(OAuthClientEntity, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :id', { id })
        .getOne();
      if (!client) return false;
      const top = await em
        .createQueryBuilder(OAuthClientSecretEntity, 's')
        .select('COALESCE(MAX(s.version), 0)', 'v')
        .where('s.oauth_client_id = :id', { id })
        .getRawOne<{ v: number }>();
      await em.update(
        OAuthClientSecretEntity,
        { oauthClientId: id, state: 'previous' },
        { state: 'retired' },
      );
      // A broker-managed rotation also deletes the old client at Particle once its grace has passed.
      const deletion = managed
        ? { managementCredentialId: managed, particleDeleteAfter: retireAfter ?? now }
        : {};
      await em.update(
        OAuthClientSecretEntity,
        { oauthClientId: id, state: 'active' },
        retireAfter
          ? { state: 'previous', retireAfter, ...deletion }
          : { state: 'retired', retireAfter: now, ...deletion },
      );
      await em.insert(OAuthClientSecretEntity, {
        id: next.secretRowId,
        oauthClientId: id,
        version: Number(top?.v ?? 0) + 1,
        clientId: next.clientId,
        secretSealed: next.sealed,
        state: 'active',
        retireAfter: null,
        managementCredentialId: managed,
        particleDeleteAfter: null,
        particleDeletedAt: null,
      });
      await em.update(
        OAuthClientEntity,
        { id },
        { clientId: next.clientId, status: 'active', lastError: null },
      );
      await alsoInTransaction(em);
      return true;
    });
  }

  /** Back to the fallback secret while its grace lasts; the rolled-back secret is retired. */
  async rollBack(id: string, now: Date, alsoInTransaction: InTransaction): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const previous = await em
        .createQueryBuilder(OAuthClientSecretEntity, 's')
        .setLock('pessimistic_write')
        .where(`s.oauth_client_id = :id AND s.state = 'previous' AND s.retire_after > :now`, { id, now })
        .getOne();
      if (!previous) return false;
      const rolledBack = await em.findOneBy(OAuthClientSecretEntity, { oauthClientId: id, state: 'active' });
      // A client the broker created for the rotation being undone is deleted at Particle again.
      const deletion = rolledBack?.managementCredentialId ? { particleDeleteAfter: now } : {};
      await em.update(
        OAuthClientSecretEntity,
        { oauthClientId: id, state: 'active' },
        { state: 'retired', retireAfter: now, ...deletion },
      );
      await em.update(
        OAuthClientSecretEntity,
        { id: previous.id },
        { state: 'active', retireAfter: null, particleDeleteAfter: null },
      );
      await em.update(
        OAuthClientEntity,
        { id },
        { clientId: previous.clientId, status: 'active', lastError: null },
      );
      await alsoInTransaction(em);
      return true;
    });
  }

  /** Old clients due for deletion at Particle, with what the call needs. */
  async findDueParticleDeletions(
    now: Date,
    limit: number,
  ): Promise<
    {
      secretId: string;
      oauthClientId: string;
      tenantId: string | null;
      productId: string | null;
      clientId: string;
      managementCredentialId: string;
    }[]
  > {
    return this.dataSource.query(
      `SELECT s.id AS "secretId", s.oauth_client_id AS "oauthClientId", c.tenant_id AS "tenantId",
              c.product_id AS "productId", s.client_id AS "clientId", s.management_credential_id AS "managementCredentialId"
         FROM oauth_client_secrets s JOIN oauth_clients c ON c.id = s.oauth_client_id
        WHERE s.particle_delete_after <= $1 AND s.particle_deleted_at IS NULL AND s.state <> 'active'
          AND s.management_credential_id IS NOT NULL
        ORDER BY s.particle_delete_after LIMIT $2`,
      [now.toISOString(), limit],
    );
  }

  async markDeletedAtParticle(secretId: string, now: Date): Promise<void> {
    await this.secrets.update({ id: secretId }, { particleDeletedAt: now });
  }

  async postponeParticleDeletion(secretId: string, until: Date): Promise<void> {
    await this.secrets.update({ id: secretId }, { particleDeleteAfter: until });
  }

  /** Fallback secrets whose grace has passed are never used again; the state says so too. */
  async retireExpiredFallbacks(now: Date): Promise<number> {
    const where = { state: 'previous' as const, retireAfter: LessThanOrEqual(now) };
    return (await this.secrets.update(where, { state: 'retired' })).affected ?? 0;
  }

  /** Inside a rotation's transaction: the version number now active (announced in `oauth_client.rotated`). */
  async activeVersionIn(em: EntityManager, id: string): Promise<number | null> {
    return (
      (await em.findOneBy(OAuthClientSecretEntity, { oauthClientId: id, state: 'active' }))?.version ?? null
    );
  }

  /** Particle answered invalid_client for the active secret: the client is at fault, not each tenant. */
  async markInvalid(id: string, error: string): Promise<void> {
    await this.clients.update({ id }, { status: 'invalid', lastError: error });
  }

  async markActive(id: string): Promise<void> {
    await this.clients.update({ id, status: 'invalid' }, { status: 'active', lastError: null });
  }

  /** `tenantId` undefined: all clients; null: only shared clients. */
  async listWithSecrets(tenantId?: string | null): Promise<ClientWithSecrets[]> {
    const clients = await this.clients.find({
      where: tenantId === undefined ? {} : { tenantId: tenantId === null ? IsNull() : tenantId },
      order: { id: 'ASC' },
    });
    if (clients.length === 0) return [];
    const secrets = await this.secrets.find({
      where: { oauthClientId: In(clients.map((c) => c.id)) },
      order: { version: 'DESC' },
    });
    return clients.map((client) => ({
      client,
      secrets: secrets.filter((s) => s.oauthClientId === client.id),
    }));
  }
}
