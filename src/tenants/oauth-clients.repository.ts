import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Repository } from 'typeorm';
import { OAuthClientSecretEntity } from './oauth-client-secret.entity.js';
import { OAuthClientEntity } from './oauth-client.entity.js';

export interface NewOAuthClient {
  id: string;
  tenantId: string | null;
  clientId: string;
  type: 'installed' | 'web';
  productId: string | null;
  redirectUri: string | null;
}

export interface ClientWithSecrets {
  client: OAuthClientEntity;
  secrets: OAuthClientSecretEntity[];
}

@Injectable()
export class OAuthClientsRepository {
  private readonly clients: Repository<OAuthClientEntity>;
  private readonly secrets: Repository<OAuthClientSecretEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.clients = dataSource.getRepository(OAuthClientEntity);
    this.secrets = dataSource.getRepository(OAuthClientSecretEntity);
  }

  /**
   * Creates the client and its first secret version in one transaction. `sealSecret` receives the secret
   * row's id, which the ciphertext is bound to. Returns undefined when the id is taken.
   */
  async createWithFirstSecret(
    client: NewOAuthClient,
    secretRowId: string,
    sealedSecret: string,
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

  async findWithActiveSecret(
    id: string,
  ): Promise<{ client: OAuthClientEntity; secret: OAuthClientSecretEntity } | undefined> {
    const client = await this.clients.findOneBy({ id });
    const secret = client ? await this.secrets.findOneBy({ oauthClientId: id, state: 'active' }) : null;
    return client && secret ? { client, secret } : undefined;
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
