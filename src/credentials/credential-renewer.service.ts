import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { EgressPermits } from '../particle/egress-lane.js';
import type { TokenSet } from '../particle/particle-api.js';
import { ParticleClient } from '../particle/particle.client.js';
import { isParticleError, isTransient, ParticleError } from '../particle/particle.errors.js';
import {
  canRenew,
  nextAttemptAfterIssue,
  REFRESH_TOKEN_LIFETIME_MS,
  retryAfterFailure,
} from './renewal-policy.js';
import { OAuthClientsService, UsableOAuthClient } from '../tenants/oauth-clients.service.js';
import { CredentialEntity } from './credential.entity.js';
import { credentialLocation } from './credential-seal.js';
import type { FailureUpdate, RenewedTokens } from './credential-writes.js';
import { CredentialMetrics } from './credential.metrics.js';

/** The credential cannot be renewed without a person (wrong kind, or its client moved on). */
export class NotRenewableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NotRenewableError';
  }
}

/**
 * What a sweep lane brings to a renewal: its egress lane, and the OAuth client read it started early. A
 * caller brings only the client it has already checked (`clientForCaller`). Either may name the request
 * it renews for, so the Particle call's log lines carry its id.
 */
export interface RenewalLane {
  permits?: EgressPermits;
  client: Promise<UsableOAuthClient> | undefined;
  requestId?: string | undefined;
}

export interface Renewal {
  tokens: TokenSet;
  sealed: RenewedTokens;
}

/**
 * How each renewable kind gets fresh tokens (design.md §4): client_credentials re-mint, authorization_code
 * refresh with the newest refresh token and the client that issued it. Shared by callers waiting for a
 * token and by the scheduler, so both renew the same way.
 */
@Injectable()
export class CredentialRenewer {
  constructor(
    private readonly oauthClients: OAuthClientsService,
    private readonly particle: ParticleClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly metrics: CredentialMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Starts reading the OAuth client `c` renews with, for a caller that reads it ahead of the renewal (a
   * sweep lane, while its previous call is out); undefined when `c` has none.
   */
  readClientAhead(c: CredentialEntity): Promise<UsableOAuthClient> | undefined {
    if (!canRenew(c.kind) || !c.oauthClientId) return undefined;
    const read = this.oauthClients.usableBy(c.tenantId, c.oauthClientId);
    // Awaited by `renew`, which handles its error; until then it must not count as unhandled.
    read.catch(() => undefined);
    return read;
  }

  /**
   * The client a caller's renewal of `c` would use, refused while ops must act on it first: one marked
   * `invalid` (Particle refused it; every call with it until a rotation would be another failure on the
   * shared IP, design.md §9.3). Undefined when `c` renews without a client (it cannot be renewed at all).
   * The sweep does not come here: it looks at a failing credential only when its backoff step is due.
   */
  async clientForCaller(c: CredentialEntity): Promise<UsableOAuthClient | undefined> {
    if (!canRenew(c.kind) || !c.oauthClientId) return undefined;
    const client = await this.oauthClients.usableBy(c.tenantId, c.oauthClientId);
    if (c.kind === 'client_credentials' && client.tenantId === null) {
      throw ApiError.conflict(`Credential ${c.id}: ${SHARED_CLIENT_MINTS_NOTHING}`);
    }
    if (client.status === 'invalid') throw oauthClientInvalid(c);
    return client;
  }

  /** `lane`: a caller renewing one credential after another (a sweep lane), see `RenewalLane`. */
  async renew(c: CredentialEntity, lane?: RenewalLane): Promise<Renewal> {
    if (!canRenew(c.kind) || !c.oauthClientId)
      throw new NotRenewableError(`${c.kind} credentials cannot be renewed`);
    const client = await (lane?.client ?? this.oauthClients.usableBy(c.tenantId, c.oauthClientId));
    // A person (ops) must give the tenant its own product client: the sweep never mints through a shared one.
    if (c.kind === 'client_credentials' && client.tenantId === null)
      throw new NotRenewableError(SHARED_CLIENT_MINTS_NOTHING);
    const permits = lane?.permits;
    // Only the sweep brings an egress lane: its renewals are the scheduled ones (design.md §9.1).
    const call = { tenantId: c.tenantId, scheduled: permits !== undefined, requestId: lane?.requestId };
    let tokens: TokenSet;
    let used = client.credentials;
    if (c.kind === 'client_credentials') {
      const grant = {
        type: 'client_credentials' as const,
        expiresIn: this.config.tokenTtlSeconds,
        ...(c.scope ? { scope: c.scope } : {}),
      };
      try {
        tokens = await this.particle.token(client.credentials, grant, call, permits);
      } catch (err) {
        // Inside a rotation's grace period the previous secret is tried once; the metric is the alert.
        if (!client.fallback || !isParticleError(err) || err.kind !== 'invalid_client') throw err;
        this.metrics.fallbacks.inc();
        used = client.fallback;
        tokens = await this.particle.token(client.fallback, grant, call, permits);
      }
    } else {
      if (!c.refreshTokenSealed) throw new NotRenewableError('no refresh token is stored');
      // Refresh tokens only work with the client that issued them (particle-cloud.md §0.5).
      if (c.issuerClientId && c.issuerClientId !== client.credentials.clientId) {
        throw new NotRenewableError('the OAuth client changed since this token was issued: connect again');
      }
      const refreshToken = this.box.open(
        c.refreshTokenSealed,
        credentialLocation(c.id, 'refresh_token_sealed'),
      );
      tokens = await this.particle.token(
        client.credentials,
        { type: 'refresh_token', refreshToken },
        call,
        permits,
      );
    }
    await this.oauthClients.recordWorking(client);
    return { tokens, sealed: this.seal(c, tokens, used.clientId) };
  }

  private seal(c: CredentialEntity, tokens: TokenSet, issuerClientId: string): RenewedTokens {
    const now = this.clock.now();
    const keepsRefresh = c.kind === 'authorization_code';
    // Always store the newest refresh token: Particle may revoke the old one on use (§5).
    const refresh = keepsRefresh && tokens.refreshToken ? tokens.refreshToken : null;
    const refreshExpiresAt = refresh ? new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS) : null;
    return {
      accessTokenSealed: this.box.seal(tokens.accessToken, credentialLocation(c.id, 'access_token_sealed')),
      ...(keepsRefresh && refresh
        ? {
            refreshTokenSealed: this.box.seal(refresh, credentialLocation(c.id, 'refresh_token_sealed')),
            refreshExpiresAt,
          }
        : {}),
      accessExpiresAt: tokens.expiresAt,
      issuerClientId,
      renewedAt: now,
      nextAttemptAt: nextAttemptAfterIssue(
        c.kind,
        c.scope,
        now,
        tokens.expiresAt,
        keepsRefresh ? (refreshExpiresAt ?? c.refreshExpiresAt) : null,
        this.config.refresh.leadSeconds,
      ),
    };
  }

  /**
   * What a failed renewal means for the credential (design.md §4): Particle refusing the grant or token
   * needs a person (never retried); a refused client marks the client; outages back off. Local refusals
   * (budget, breaker) are not the credential's fault and leave it untouched (undefined).
   */
  /**
   * A token minted for a credential that is gone by the time it would be stored (deleted meanwhile): it is
   * revoked at Particle rather than left alive until it expires. Best effort: it was never handed out.
   */
  async discard(accessToken: string, requestId?: string): Promise<void> {
    await this.particle.revokeCurrent(accessToken, requestId).catch(() => undefined);
  }

  async failureFor(c: CredentialEntity, err: unknown): Promise<FailureUpdate | undefined> {
    const now = this.clock.now();
    if (err instanceof NotRenewableError)
      return { status: 'needs_reauth', lastError: err.reason, nextAttemptAt: null };
    if (!isParticleError(err)) {
      return {
        status: 'failing',
        lastError: 'internal error',
        nextAttemptAt: retryAfterFailure(c.failureCount + 1, now),
      };
    }
    const e: ParticleError = err;
    if (e.kind === 'budget_exhausted' || e.kind === 'breaker_open') return undefined;
    if (isTransient(e)) {
      return {
        status: 'failing',
        lastError: `${e.kind}: ${e.description}`,
        nextAttemptAt: retryAfterFailure(c.failureCount + 1, now),
      };
    }
    if (e.kind === 'invalid_client' && c.oauthClientId) {
      await this.oauthClients.recordInvalid(c.oauthClientId, e.description);
      return {
        status: 'failing',
        lastError: `invalid_client: ${e.description}`,
        nextAttemptAt: retryAfterFailure(c.failureCount + 1, now),
      };
    }
    return { status: 'needs_reauth', lastError: `${e.kind}: ${e.description}`, nextAttemptAt: null };
  }
}

/**
 * A shared OAuth client (tenant_id null) serves the connect flow and password logins of any tenant; a
 * product's client_credentials client belongs to one tenant (design.md §9.7).
 */
export const SHARED_CLIENT_MINTS_NOTHING =
  'a shared OAuth client (tenant_id null) cannot mint client_credentials tokens: use the tenant’s own product client';

/** Ops must rotate or re-register the client: no renewal through it is tried meanwhile. */
export function oauthClientInvalid(c: CredentialEntity): ApiError {
  return new ApiError(
    'credential_unavailable',
    `OAuth client ${c.oauthClientId ?? ''} was refused by Particle (invalid_client): rotate or re-register it`,
    { extras: { credential_id: c.id, reason: 'oauth_client_invalid' } },
  );
}
