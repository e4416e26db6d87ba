import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { ClientCredentials } from '../particle/particle-api.js';
import { ParticleClient } from '../particle/particle.client.js';
import { isParticleError } from '../particle/particle.errors.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { WebhookOutbox } from '../notifications/webhook-outbox.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { OAuthClientView, RotateSecretBody } from './oauth-clients.dto.js';
import { OAuthClientsService, secretLocation } from './oauth-clients.service.js';

const DEFAULT_GRACE_SECONDS = 86_400;
const DELETIONS_PER_SWEEP = 50;
const DELETE_RETRY_MS = 5 * 60_000;
/** A code Particle can never have issued: checks a web client's secret without side effects. */
const PROBE_CODE = 'particle-token-broker-secret-check';

/**
 * Client secrets cannot be regenerated at Particle (particle-cloud.md §0.4), so rotation means: ops (or,
 * later, the broker) create a new client or secret there, and the broker checks it, switches to it, and
 * keeps the previous one as a fallback for a grace period.
 */
@Injectable()
export class OAuthClientRotationService {
  constructor(
    private readonly clients: OAuthClientsService,
    private readonly repository: OAuthClientsRepository,
    private readonly particle: ParticleClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly credentials: CredentialsService,
    private readonly audit: AuditService,
    private readonly outbox: WebhookOutbox,
  ) {}

  /**
   * Particle is asked first (a check, or a new client), holding no connection; only the switch itself is
   * a transaction, and `audit`'s success row commits with it (design.md §5.9, §5.10).
   */
  async rotate(id: string, body: RotateSecretBody, audit?: SuccessAudit): Promise<OAuthClientView> {
    const current = await this.clients.get(id);
    let next: ClientCredentials;
    let managementCredentialId: string | undefined;
    if (body.mode === 'particle') {
      ({ next, managementCredentialId } = await this.createAtParticle(
        current,
        body.management_credential_id,
        audit?.requestId,
      ));
    } else {
      next = { clientId: body.client_id ?? current.client_id, clientSecret: body.client_secret ?? '' };
      await this.verify(current, next, audit?.requestId);
    }
    const now = this.clock.now();
    const grace = body.grace_seconds ?? DEFAULT_GRACE_SECONDS;
    const secretRowId = randomUUID();
    const rotated = await this.repository.rotate(
      id,
      {
        secretRowId,
        clientId: next.clientId,
        sealed: this.box.seal(next.clientSecret, secretLocation(secretRowId)),
        ...(managementCredentialId ? { managementCredentialId } : {}),
      },
      grace > 0 ? new Date(now.getTime() + grace * 1000) : null,
      now,
      async (em) => {
        await this.credentials.callUpForClient(em, id, now);
        await this.announceRotated(em, current, body.mode === 'particle' ? 'particle' : 'secret');
        // The client as it is once switched, as far as the row reads it (id, tenant, client id).
        await audit?.appendIn(em, { ...current, client_id: next.clientId, status: 'active' });
      },
    );
    if (!rotated) throw ApiError.notFound(`OAuth client ${id}`);
    return this.clients.get(id);
  }

  /**
   * Particle cannot regenerate a secret (§0.4): the broker creates a new client like the old one (type,
   * redirect URI, product; named after the broker's id, since Particle's name and scope are not stored)
   * with the tenant's management credential. The old client is deleted by the sweep after the grace.
   */
  private async createAtParticle(
    current: OAuthClientView,
    managementCredentialId: string | undefined,
    requestId: string | undefined,
  ): Promise<{ next: ClientCredentials; managementCredentialId: string }> {
    if (!current.tenant_id) {
      throw ApiError.conflict(
        'A shared OAuth client has no tenant whose credential could manage it at Particle',
      );
    }
    const manager = await this.credentials.managementToken(current.tenant_id, managementCredentialId);
    if (!manager) {
      throw ApiError.conflict(
        `Tenant ${current.tenant_id} has no management credential (an active token credential that may create clients)`,
      );
    }
    try {
      const created = await this.particle.createClient(
        manager.accessToken,
        {
          ...(current.product_id ? { productId: current.product_id } : {}),
          name: current.id,
          type: current.type === 'web' ? 'web' : 'installed',
          ...(current.redirect_uri ? { redirectUri: current.redirect_uri } : {}),
        },
        requestId,
      );
      return {
        next: { clientId: created.clientId, clientSecret: created.secret },
        managementCredentialId: manager.credentialId,
      };
    } catch (err) {
      if (isParticleError(err) && (err.kind === 'invalid_token' || err.kind === 'rejected')) {
        throw new ApiError('upstream_rejected', `Particle refused to create the client: ${err.description}`);
      }
      throw err;
    }
  }

  /**
   * A step of every refresh sweep: deletes at Particle the old clients of broker-managed rotations whose
   * grace has passed. A failure is audited and retried five minutes later; a 404 counts as done.
   * `requestId`: the request that started the sweep, if one did.
   */
  async deleteRetiredAtParticle(requestId?: string): Promise<{ deleted: number; failed: number }> {
    const now = this.clock.now();
    const due = await this.repository.findDueParticleDeletions(now, DELETIONS_PER_SWEEP);
    let deleted = 0;
    for (const d of due) {
      const manager = d.tenantId
        ? await this.credentials.managementToken(d.tenantId, d.managementCredentialId)
        : undefined;
      let error: string | undefined;
      try {
        if (!manager) throw new Error('the management credential is gone');
        await this.particle.deleteClient(
          manager.accessToken,
          { clientId: d.clientId, ...(d.productId ? { productId: d.productId } : {}) },
          requestId,
        );
        await this.repository.markDeletedAtParticle(d.secretId, now);
        deleted++;
      } catch (err) {
        error = isParticleError(err) ? err.kind : err instanceof Error ? err.message : 'error';
        await this.repository.postponeParticleDeletion(d.secretId, new Date(now.getTime() + DELETE_RETRY_MS));
      }
      await this.audit.record({
        actor: 'system',
        action: 'oauth_client.delete_at_particle',
        outcome: error ? 'failure' : 'success',
        tenantId: d.tenantId,
        target: d.oauthClientId,
        details: { client_id: d.clientId, ...(error ? { error } : {}) },
      });
    }
    return { deleted, failed: due.length - deleted };
  }

  /** `oauth_client.rotated`, committed with the switch (design.md §10). */
  private async announceRotated(
    em: EntityManager,
    c: OAuthClientView,
    mode: 'secret' | 'particle' | 'rollback',
  ) {
    const version = await this.repository.activeVersionIn(em, c.id);
    await this.outbox.enqueue(
      {
        type: 'oauth_client.rotated',
        tenantId: c.tenant_id,
        orderingKey: `oauth_client:${c.id}`,
        data: { oauth_client_id: c.id, version, mode },
      },
      em,
    );
  }

  async rollBack(id: string, audit?: SuccessAudit): Promise<OAuthClientView> {
    const current = await this.clients.get(id);
    const now = this.clock.now();
    const also = async (em: EntityManager) => {
      await this.credentials.callUpForClient(em, id, now);
      await this.announceRotated(em, current, 'rollback');
      await audit?.appendIn(em, current);
    };
    if (!(await this.repository.rollBack(id, now, also))) {
      throw ApiError.conflict(
        `OAuth client ${id} has no previous secret inside its grace period to roll back to`,
      );
    }
    return this.clients.get(id);
  }

  /**
   * Asks Particle whether it accepts the new secret before anything changes. Product clients mint a
   * token (revoked again at once); other clients exchange a code that cannot exist, which Particle
   * refuses with invalid_grant only after it has accepted the client's credentials.
   */
  private async verify(
    client: OAuthClientView,
    next: ClientCredentials,
    requestId: string | undefined,
  ): Promise<void> {
    // The check counts for the client's tenant; a shared client's for none.
    const call = { tenantId: client.tenant_id, scheduled: false, requestId };
    try {
      if (client.product_id) {
        const tokens = await this.particle.token(next, { type: 'client_credentials', expiresIn: 60 }, call);
        await this.particle.revokeCurrent(tokens.accessToken, requestId).catch(() => undefined);
      } else {
        await this.particle.token(
          next,
          { type: 'authorization_code', code: PROBE_CODE, redirectUri: client.redirect_uri ?? '' },
          call,
        );
      }
    } catch (err) {
      if (!isParticleError(err)) throw err;
      if (!client.product_id && err.kind === 'invalid_grant') return;
      if (err.kind === 'invalid_client' || err.kind === 'rejected' || err.kind === 'invalid_grant') {
        throw new ApiError(
          'validation_failed',
          `Particle rejected the new client credentials: ${err.description}`,
          {
            status: 422,
            extras: { particle_error: err.particleError ?? err.kind },
          },
        );
      }
      throw err;
    }
  }
}
