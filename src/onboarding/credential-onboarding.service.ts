import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { ClientCredentials } from '../particle/particle-api.js';
import { ParticleClient } from '../particle/particle.client.js';
import { isParticleError, MfaRequiredError } from '../particle/particle.errors.js';
import { OAuthClientsService } from '../tenants/oauth-clients.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import {
  CreateCredentialBody,
  CredentialView,
  MfaBody,
  MfaRequiredView,
} from '../credentials/credentials.dto.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { SHARED_CLIENT_MINTS_NOTHING } from '../credentials/credential-renewer.service.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';
import { onboardingError } from './onboarding-errors.js';

/** Particle's public client for a user's own account (particle-cloud.md §2.1). */
const PUBLIC_CLIENT: ClientCredentials = { clientId: 'particle', clientSecret: 'particle' };
const DEFAULT_PASSWORD_TOKEN_SECONDS = 7_776_000; // Particle's own default: 90 days.
/** Particle's mfa_token lifetime is UNCONFIRMED; five minutes is what a person needs to read an app. */
const MFA_CHALLENGE_MS = 5 * 60 * 1000;
/** Like Particle's CLI: three tries per mfa_token, then the login starts again. */
const MFA_ATTEMPTS = 3;

/** Where an MFA challenge's mfa_token is sealed (also listed in crypto/sealed-columns.ts). */
export const mfaLocation = (id: string) => ({
  table: 'mfa_challenges',
  column: 'mfa_token_sealed',
  rowId: id,
});

/**
 * Turns what ops hand over (a client, a login, a token) into a stored credential, after Particle agrees.
 * Particle is asked first, holding no connection (design.md §5.9); `audit`'s success row commits with
 * the row that is then stored (§5.10): the credential, or the MFA challenge.
 */
@Injectable()
export class CredentialOnboardingService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly oauthClients: OAuthClientsService,
    private readonly credentials: CredentialsService,
    private readonly challenges: MfaChallengesRepository,
    private readonly particle: ParticleClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    tenantId: string,
    body: CreateCredentialBody,
    audit?: SuccessAudit,
  ): Promise<CredentialView | MfaRequiredView> {
    await this.tenants.requireExists(tenantId);
    switch (body.kind) {
      case 'client_credentials':
        return this.fromClientCredentials(tenantId, body.oauth_client_id ?? '', body.scope, audit);
      case 'token':
        return this.fromImportedToken(tenantId, body.access_token ?? '', audit);
      case 'password':
        return this.fromPassword(tenantId, body, audit);
    }
  }

  private async fromClientCredentials(
    tenantId: string,
    oauthClientId: string,
    scope: string | undefined,
    audit: SuccessAudit | undefined,
  ): Promise<CredentialView> {
    const client = await this.oauthClients.usableBy(tenantId, oauthClientId);
    if (client.tenantId === null)
      throw ApiError.conflict(`OAuth client ${client.id}: ${SHARED_CLIENT_MINTS_NOTHING}`);
    let tokens;
    try {
      tokens = await this.particle.token(
        client.credentials,
        { type: 'client_credentials', expiresIn: this.config.tokenTtlSeconds, ...(scope ? { scope } : {}) },
        { tenantId, scheduled: false, requestId: audit?.requestId },
      );
    } catch (err) {
      if (isParticleError(err) && err.kind === 'invalid_client')
        await this.oauthClients.recordInvalid(client.id, err.description);
      throw onboardingError(err, "the OAuth client's credentials");
    }
    await this.oauthClients.recordWorking(client);
    return this.credentials.store(
      {
        tenantId,
        kind: 'client_credentials',
        oauthClientId: client.id,
        issuerClientId: client.credentials.clientId,
        scope: scope ?? null,
        username: null,
        tokens,
        keepRefreshToken: false,
      },
      audit,
    );
  }

  private async fromImportedToken(
    tenantId: string,
    accessToken: string,
    audit: SuccessAudit | undefined,
  ): Promise<CredentialView> {
    const current = await this.particle.currentToken(accessToken, audit?.requestId).catch((err: unknown) => {
      throw onboardingError(err, 'the access token');
    });
    if (current.expiresAt && current.expiresAt <= this.clock.now()) {
      throw new ApiError('validation_failed', 'The access token has already expired', { status: 422 });
    }
    return this.credentials.store(
      {
        tenantId,
        kind: 'token',
        oauthClientId: null,
        issuerClientId: current.clientId,
        scope: null,
        username: null,
        tokens: { accessToken, refreshToken: null, expiresAt: current.expiresAt, scope: null },
        keepRefreshToken: false,
      },
      audit,
    );
  }

  private async fromPassword(
    tenantId: string,
    body: CreateCredentialBody,
    audit: SuccessAudit | undefined,
  ): Promise<CredentialView | MfaRequiredView> {
    const oauthClientId = body.oauth_client_id ?? null;
    const client = oauthClientId
      ? (await this.oauthClients.usableBy(tenantId, oauthClientId)).credentials
      : PUBLIC_CLIENT;
    const username = body.username ?? '';
    const expiresIn = body.expires_in ?? DEFAULT_PASSWORD_TOKEN_SECONDS;
    try {
      // The password lives only in this call's arguments; it is never stored, logged or retried.
      const tokens = await this.particle.token(
        client,
        { type: 'password', username, password: body.password ?? '', expiresIn },
        { tenantId, scheduled: false, requestId: audit?.requestId },
      );
      return await this.storePassword(tenantId, oauthClientId, client, username, tokens, audit);
    } catch (err) {
      if (!(err instanceof MfaRequiredError)) throw onboardingError(err, 'the username or password');
      return this.openChallenge(tenantId, oauthClientId, username, err.mfaToken, expiresIn, audit);
    }
  }

  private async openChallenge(
    tenantId: string,
    oauthClientId: string | null,
    username: string,
    mfaToken: string,
    expiresIn: number,
    audit: SuccessAudit | undefined,
  ): Promise<MfaRequiredView> {
    const id = randomUUID();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + MFA_CHALLENGE_MS);
    const view: MfaRequiredView = {
      status: 'mfa_required',
      challenge_id: id,
      expires_at: expiresAt.toISOString(),
    };
    await this.challenges.deleteExpired(now);
    await this.challenges.insert(
      {
        id,
        tenantId,
        oauthClientId,
        username,
        mfaTokenSealed: this.box.seal(mfaToken, mfaLocation(id)),
        requestedExpiresIn: expiresIn,
        attemptsLeft: MFA_ATTEMPTS,
        expiresAt,
      },
      audit && ((em) => audit.appendIn(em, view)),
    );
    return view;
  }

  async finishMfa(tenantId: string, body: MfaBody, audit?: SuccessAudit): Promise<CredentialView> {
    const challenge = await this.challenges.findForTenant(tenantId, body.challenge_id);
    if (!challenge) throw ApiError.notFound(`MFA challenge ${body.challenge_id}`);
    if (challenge.expiresAt <= this.clock.now()) {
      await this.challenges.deleteById(challenge.id);
      throw ApiError.conflict('The MFA challenge has expired: start the password login again');
    }
    const attemptsLeft = await this.challenges.spendAttempt(challenge.id);
    if (attemptsLeft === undefined)
      throw ApiError.conflict('No OTP attempts left: start the password login again');
    const client = challenge.oauthClientId
      ? (await this.oauthClients.usableBy(tenantId, challenge.oauthClientId)).credentials
      : PUBLIC_CLIENT;
    const mfaToken = this.box.open(challenge.mfaTokenSealed, mfaLocation(challenge.id));
    try {
      const tokens = await this.particle.token(
        client,
        { type: 'mfa_otp', mfaToken, otp: body.otp },
        { tenantId, scheduled: false, requestId: audit?.requestId },
      );
      await this.challenges.deleteById(challenge.id);
      return await this.storePassword(
        tenantId,
        challenge.oauthClientId,
        client,
        challenge.username,
        tokens,
        audit,
      );
    } catch (err) {
      if (isParticleError(err) && err.kind === 'invalid_token') {
        if (attemptsLeft === 0) await this.challenges.deleteById(challenge.id);
        throw new ApiError('unauthorized', 'Particle did not accept the OTP', {
          extras: { attempts_left: attemptsLeft },
        });
      }
      throw onboardingError(err, 'the MFA step');
    }
  }

  private storePassword(
    tenantId: string,
    oauthClientId: string | null,
    client: ClientCredentials,
    username: string,
    tokens: Awaited<ReturnType<ParticleClient['token']>>,
    audit: SuccessAudit | undefined,
  ): Promise<CredentialView> {
    return this.credentials.store(
      {
        tenantId,
        kind: 'password',
        oauthClientId,
        issuerClientId: client.clientId,
        scope: null,
        username,
        tokens,
        // Particle refuses refresh for developer-account tokens (particle-cloud.md §0.1): keep no refresh token.
        keepRefreshToken: false,
      },
      audit,
    );
  }
}
