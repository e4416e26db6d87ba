import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { ClientCredentials } from '../particle/particle-api.js';
import { ClientWithSecrets, OAuthClientsRepository } from './oauth-clients.repository.js';
import { CreateOAuthClientBody, OAuthClientView } from './oauth-clients.dto.js';
import { redirectUriProblem } from './redirect-uri.js';
import { TenantsService } from './tenants.service.js';

/** Where a client secret is sealed: bound to its own secret-version row. */
export const secretLocation = (rowId: string) => ({
  table: 'oauth_client_secrets',
  column: 'secret_sealed',
  rowId,
});

function toView({ client, secrets }: ClientWithSecrets): OAuthClientView {
  return {
    id: client.id,
    tenant_id: client.tenantId,
    client_id: client.clientId,
    type: client.type,
    product_id: client.productId,
    redirect_uri: client.redirectUri,
    status: client.status,
    last_error: client.lastError,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
    secret_versions: [...secrets]
      .sort((a, b) => b.version - a.version)
      .map((s) => ({
        version: s.version,
        client_id: s.clientId,
        state: s.state,
        created_at: s.createdAt.toISOString(),
        retire_after: s.retireAfter?.toISOString() ?? null,
      })),
  };
}

/** What the rest of the broker needs to call Particle as this client (the secret decrypted, in memory only). */
export interface UsableOAuthClient {
  id: string;
  tenantId: string | null;
  type: 'installed' | 'web';
  productId: string | null;
  redirectUri: string | null;
  /** As read with the secrets: `invalid` until a call with it succeeds again. */
  status: 'active' | 'invalid';
  credentials: ClientCredentials;
  /** The previous secret while its rotation grace lasts: tried once if Particle refuses the active one. */
  fallback: ClientCredentials | null;
}

@Injectable()
export class OAuthClientsService {
  constructor(
    private readonly clients: OAuthClientsRepository,
    private readonly tenants: TenantsService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** `audit`: the action's success row, committed with the client (design.md §5.10). */
  async create(body: CreateOAuthClientBody, audit?: SuccessAudit): Promise<OAuthClientView> {
    if (body.redirect_uri !== undefined) {
      const problem = redirectUriProblem(body.redirect_uri);
      if (problem)
        throw ApiError.validation(`redirect_uri ${problem}`, [
          { field: 'redirect_uri', messages: [problem] },
        ]);
    }
    const tenantId = body.tenant_id ?? null;
    if (tenantId !== null) await this.tenants.requireExists(tenantId);
    const secretRowId = randomUUID();
    const created = await this.clients.createWithFirstSecret(
      {
        id: body.id,
        tenantId,
        clientId: body.client_id,
        type: body.type,
        productId: body.product_id ?? null,
        redirectUri: body.redirect_uri ?? null,
      },
      secretRowId,
      this.box.seal(body.client_secret, secretLocation(secretRowId)),
      audit && ((em, written) => audit.appendIn(em, toView(written))),
    );
    if (!created) throw ApiError.conflict(`OAuth client ${body.id} already exists`);
    return toView(created);
  }

  /**
   * The client a tenant may use: its own or a shared one (tenant_id null), with the active secret opened.
   * Another tenant's client is reported as not found, so ids of other tenants' apps do not leak.
   */
  async usableBy(tenantId: string, id: string): Promise<UsableOAuthClient> {
    const found = await this.clients.findWithActiveSecret(id);
    if (!found || (found.client.tenantId !== null && found.client.tenantId !== tenantId)) {
      throw ApiError.notFound(`OAuth client ${id}`);
    }
    const { client, secret, previous } = found;
    const graceful = previous?.retireAfter && previous.retireAfter > this.clock.now() ? previous : null;
    return {
      id: client.id,
      tenantId: client.tenantId,
      type: client.type,
      productId: client.productId,
      redirectUri: client.redirectUri,
      status: client.status,
      credentials: {
        clientId: secret.clientId,
        clientSecret: this.box.open(secret.secretSealed, secretLocation(secret.id)),
      },
      fallback: graceful
        ? {
            clientId: graceful.clientId,
            clientSecret: this.box.open(graceful.secretSealed, secretLocation(graceful.id)),
          }
        : null,
    };
  }

  async retireExpiredFallbacks(): Promise<number> {
    return this.clients.retireExpiredFallbacks(this.clock.now());
  }

  async recordInvalid(id: string, description: string): Promise<void> {
    await this.clients.markInvalid(id, description.slice(0, 500));
  }

  /** Clears an `invalid` mark after a successful call; a client already active costs no statement. */
  async recordWorking(client: UsableOAuthClient): Promise<void> {
    if (client.status !== 'active') await this.clients.markActive(client.id);
  }

  async list(tenantId?: string): Promise<OAuthClientView[]> {
    return (await this.clients.listWithSecrets(tenantId)).map(toView);
  }

  async get(id: string): Promise<OAuthClientView> {
    const found = await this.clients.findWithSecrets(id);
    if (!found) throw ApiError.notFound(`OAuth client ${id}`);
    return toView(found);
  }
}
