import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { TokenSet } from '../particle/particle-api.js';
import { ParticleClient } from '../particle/particle.client.js';
import { isParticleError } from '../particle/particle.errors.js';
import { nextAttemptAfterIssue, REFRESH_TOKEN_LIFETIME_MS } from './renewal-policy.js';
import { CredentialEntity, CredentialKind } from './credential.entity.js';
import { credentialLocation } from './credential-seal.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { AtRiskRow, CredentialCountsRepository } from './credential-counts.repository.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialPage, CredentialView, CredentialsQuery } from './credentials.dto.js';
import { riskOf, RiskAction, RiskReason } from './credential-risk.js';
import { requestFields } from '../logging/app-logger.js';

export interface IssuedCredential {
  tenantId: string;
  kind: CredentialKind;
  oauthClientId: string | null;
  issuerClientId: string | null;
  scope: string | null;
  username: string | null;
  tokens: TokenSet;
  /** client_credentials never use refresh tokens (they re-mint), so theirs is not kept at all. */
  keepRefreshToken: boolean;
}

export function toCredentialView(c: CredentialEntity): CredentialView {
  return {
    id: c.id,
    tenant_id: c.tenantId,
    kind: c.kind,
    status: c.status,
    scope: c.scope,
    oauth_client_id: c.oauthClientId,
    access_expires_at: c.accessExpiresAt?.toISOString() ?? null,
    refresh_expires_at: c.refreshExpiresAt?.toISOString() ?? null,
    last_renewed_at: c.lastRenewedAt?.toISOString() ?? null,
    last_error: c.lastError,
  };
}

const DEFAULT_PAGE = 100;

/** Stored credentials: creating them from issued tokens, listing, and revoking. */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly counts: CredentialCountsRepository,
    private readonly box: SecretBox,
    private readonly particle: ParticleClient,
    private readonly clock: Clock,
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `audit`: the action's success row, committed with the credential (design.md §5.10). `requestId`: the
   * request storing it, for the log lines (the audited action's by default).
   */
  async store(
    issued: IssuedCredential,
    audit?: SuccessAudit,
    requestId = audit?.requestId,
  ): Promise<CredentialView> {
    const id = randomUUID();
    const now = this.clock.now();
    const refresh = issued.keepRefreshToken ? issued.tokens.refreshToken : null;
    const refreshExpiresAt = refresh ? new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS) : null;
    const saved = await this.credentials
      .insert(
        {
          id,
          tenantId: issued.tenantId,
          kind: issued.kind,
          oauthClientId: issued.oauthClientId,
          issuerClientId: issued.issuerClientId,
          scope: issued.scope,
          username: issued.username,
          accessTokenSealed: this.box.seal(
            issued.tokens.accessToken,
            credentialLocation(id, 'access_token_sealed'),
          ),
          refreshTokenSealed: refresh
            ? this.box.seal(refresh, credentialLocation(id, 'refresh_token_sealed'))
            : null,
          accessExpiresAt: issued.tokens.expiresAt,
          refreshExpiresAt,
          lastRenewedAt: now,
          nextAttemptAt: nextAttemptAfterIssue(
            issued.kind,
            issued.scope,
            now,
            issued.tokens.expiresAt,
            refreshExpiresAt,
            this.config.refresh.leadSeconds,
          ),
        },
        audit && ((em, row) => audit.appendIn(em, toCredentialView(row))),
      )
      .catch(async (err: unknown) => {
        // A token the broker minted for a credential that could not be stored (its audit row failed, the
        // tenant went) is revoked rather than left alive at Particle; an imported one belongs to its owner.
        if (issued.kind !== 'token')
          await this.particle.revokeCurrent(issued.tokens.accessToken, requestId).catch(() => undefined);
        throw err;
      });
    return toCredentialView(saved);
  }

  /**
   * The token the broker uses to manage a tenant's OAuth clients at Particle: the named credential, or the
   * tenant's newest active `token` credential (typically an API user with clients:create/remove).
   */
  async managementToken(
    tenantId: string,
    credentialId?: string,
  ): Promise<{ credentialId: string; accessToken: string } | undefined> {
    const all = await this.credentials.listForTenant(tenantId);
    const chosen = credentialId
      ? all.find((c) => c.id === credentialId)
      : all
          .filter((c) => c.kind === 'token' && c.status === 'active')
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    if (!chosen?.accessTokenSealed) return undefined;
    return {
      credentialId: chosen.id,
      accessToken: this.box.open(
        chosen.accessTokenSealed,
        credentialLocation(chosen.id, 'access_token_sealed'),
      ),
    };
  }

  async list(tenantId: string): Promise<CredentialView[]> {
    return (await this.credentials.listForTenant(tenantId)).map(toCredentialView);
  }

  /** As `list`, but an unknown tenant is a 404 rather than an empty list. */
  async listOfTenant(tenantId: string): Promise<CredentialView[]> {
    await this.tenants.requireExists(tenantId);
    return this.list(tenantId);
  }

  /** The rows themselves, for the modules that issue from them (token-store). */
  findForTenant(tenantId: string, id: string): Promise<CredentialEntity | null> {
    return this.credentials.findForTenant(tenantId, id);
  }

  listForTenant(tenantId: string): Promise<CredentialEntity[]> {
    return this.credentials.listForTenant(tenantId);
  }

  /** See `CredentialsRepository.callUpForClient`: part of an OAuth client rotation's transaction. */
  callUpForClient(em: EntityManager, oauthClientId: string, now: Date): Promise<void> {
    return this.credentials.callUpForClient(em, oauthClientId, now);
  }

  /** Credentials of every tenant, filtered, in pages of `limit` (keyset on the id). */
  async page(q: CredentialsQuery): Promise<CredentialPage> {
    const limit = q.limit ?? DEFAULT_PAGE;
    const filter = { status: q.status, kind: q.kind, tenantId: q.tenant_id };
    const rows = await this.counts.pageAcrossTenants(filter, limit, q.after);
    const last = rows.at(-1);
    return { items: rows.map(toCredentialView), next_after: rows.length === limit && last ? last.id : null };
  }

  /** Every credential that is needs_reauth, failing or expiring, most urgent first, with why and the fix. */
  async atRisk(): Promise<(AtRiskRow & { reason: RiskReason; action: RiskAction })[]> {
    return (await this.counts.listAtRisk()).map((row) => ({ ...row, ...riskOf(row) }));
  }

  countByStatus(): Promise<{ status: string; n: number }[]> {
    return this.counts.countByStatus();
  }

  oldestOverdueSeconds(now: Date): Promise<number> {
    return this.counts.oldestOverdueSeconds(now);
  }

  countScheduledRenewable(): Promise<number> {
    return this.counts.countScheduledRenewable();
  }

  /**
   * Revokes the access token at Particle, then erases the credential whatever Particle said: a failed
   * revocation is reported (and audited by the caller) but never keeps a secret alive. The revocation
   * holds no connection (§5.9); `audit`'s success row commits with the erasure (§5.10).
   */
  async revokeAndErase(
    tenantId: string,
    id: string,
    audit?: SuccessAudit,
  ): Promise<{ revokedAtParticle: boolean }> {
    const credential = await this.credentials.findForTenant(tenantId, id);
    if (!credential) throw ApiError.notFound(`Credential ${id}`);
    return this.eraseOne(credential, audit);
  }

  /** `requestId`: the request deleting the tenant, for the log lines. */
  async revokeAndEraseAllForTenant(
    tenantId: string,
    requestId?: string,
  ): Promise<{ erased: number; revocationFailures: number }> {
    let revocationFailures = 0;
    const all = await this.credentials.listForTenant(tenantId);
    for (const credential of all) {
      if (!(await this.eraseOne(credential, undefined, requestId)).revokedAtParticle) revocationFailures++;
    }
    return { erased: all.length, revocationFailures };
  }

  private async eraseOne(
    credential: CredentialEntity,
    audit?: SuccessAudit,
    requestId = audit?.requestId,
  ): Promise<{ revokedAtParticle: boolean }> {
    let revokedAtParticle = true;
    if (credential.accessTokenSealed) {
      try {
        const token = this.box.open(
          credential.accessTokenSealed,
          credentialLocation(credential.id, 'access_token_sealed'),
        );
        await this.particle.revokeCurrent(token, requestId);
      } catch (err) {
        revokedAtParticle = false;
        const kind = isParticleError(err) ? err.kind : 'local';
        this.logger.warn(
          { ...requestFields(requestId), credentialId: credential.id, error: kind },
          'revocation at Particle failed; erasing anyway',
        );
      }
    }
    await this.credentials.deleteById(
      credential.id,
      audit && ((em) => audit.appendIn(em, { revoked_at_particle: revokedAtParticle })),
      audit?.actor,
    );
    return { revokedAtParticle };
  }
}
