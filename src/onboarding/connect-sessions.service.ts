import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { TokenSet } from '../particle/particle-api.js';
import { ParticleClient } from '../particle/particle.client.js';
import { isParticleError, isTransient } from '../particle/particle.errors.js';
import { OAuthClientsService, UsableOAuthClient } from '../tenants/oauth-clients.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { BrowserAnswer, pages, redirectTo } from './connect-pages.js';
import type { ConnectSessionEntity } from './connect-session.entity.js';
import { ConnectOutcome, ConnectSessionsRepository } from './connect-sessions.repository.js';
import { ConnectSessionView, CreateConnectSessionBody } from './connect-sessions.dto.js';
import { callbackParams, OAUTH_ERROR_CODE } from './connect-callback.js';
import {
  ConnectedUser,
  ConnectStateStore,
  exchangeErrorOf,
  LinkUnavailableError,
  ParticleConnectStrategy,
  RANDOM_TOKEN,
  randomToken,
  sha256,
} from './connect-strategy.js';
import { runStrategy } from './passport-fastify.js';
import { allowedReturnOrigins, returnToProblem, withConnectResult } from './return-to.js';
import { requestFields } from '../logging/app-logger.js';

/** How long a connect link (and the sign-in started from it) stays usable. */
const SESSION_TTL_MS = 10 * 60 * 1000;
/** The audit actor of the callback: nobody holds an API key there, only the link. */
const CONNECT_ACTOR = 'connect-link';

/**
 * The authorization-code connect flow (design.md §6): one-time links for a tenant's person, the redirect
 * to Particle and the callback that turns the code into an `authorization_code` credential. passport-oauth2
 * drives the protocol; connect_sessions holds the state; ParticleClient makes the only call to Particle.
 */
@Injectable()
export class ConnectSessionsService {
  private readonly logger = new Logger(ConnectSessionsService.name);
  private readonly callbackUrl: string;
  private readonly returnOrigins: ReadonlySet<string>;

  constructor(
    private readonly sessions: ConnectSessionsRepository,
    private readonly tenants: TenantsService,
    private readonly oauthClients: OAuthClientsService,
    private readonly credentials: CredentialsService,
    private readonly particle: ParticleClient,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.callbackUrl = `${config.publicUrl}/oauth/callback`;
    this.returnOrigins = allowedReturnOrigins(config.publicUrl, config.returnOrigins);
  }

  /** `audit`: the action's success row, committed with the session (design.md §5.10). */
  async create(
    tenantId: string,
    body: CreateConnectSessionBody,
    audit?: SuccessAudit,
  ): Promise<ConnectSessionView> {
    await this.tenants.requireExists(tenantId);
    const problem = await this.clientProblem(tenantId, body.oauth_client_id);
    if (problem) {
      throw ApiError.validation(`oauth_client_id ${problem}`, [
        { field: 'oauth_client_id', messages: [problem] },
      ]);
    }
    const returnTo = body.return_to ?? null;
    const returnProblem = returnTo === null ? undefined : returnToProblem(returnTo, this.returnOrigins);
    if (returnProblem) {
      throw ApiError.validation(`return_to ${returnProblem}`, [
        { field: 'return_to', messages: [returnProblem] },
      ]);
    }
    const link = randomToken();
    const expiresAt = new Date(this.clock.now().getTime() + SESSION_TTL_MS);
    const view = { url: `${this.config.publicUrl}/connect/${link}`, expires_at: expiresAt.toISOString() };
    const session = { id: randomUUID(), linkHash: sha256(link), tenantId, returnTo, expiresAt };
    await this.sessions.insert(
      { ...session, oauthClientId: body.oauth_client_id },
      audit && ((em) => audit.appendIn(em, view)),
    );
    return view;
  }

  /** `GET /connect/:link`: opens the link once and sends the person to Particle's consent page. */
  async open(link: string, request: FastifyRequest): Promise<BrowserAnswer> {
    if (!RANDOM_TOKEN.test(link)) return pages.linkUnknown();
    const session = await this.sessions.findByLinkHash(sha256(link));
    if (!session) return pages.linkUnknown();
    if (session.openedAt) return pages.linkUsed();
    if (session.expiresAt <= this.clock.now()) return pages.linkExpired();
    // Fastify answers HEAD with the GET handler; a HEAD must not spend the one-time link.
    if (request.method === 'HEAD') return pages.openInBrowser();
    const client = await this.connectableClient(session);
    if (!client) return pages.clientUnusable();
    const store = new ConnectStateStore(this.sessions, this.clock, session.id);
    // The link's own query string is not an OAuth response: passport must only start the flow here.
    const result = await runStrategy(
      this.strategyFor(session.tenantId, client, store, request.id),
      request,
      {},
      { query: {} },
    );
    if (result.kind === 'redirect') return { kind: 'redirect', location: result.url, status: result.status };
    if (result.kind === 'error' && result.error instanceof LinkUnavailableError) return pages.linkUsed();
    throw result.kind === 'error'
      ? result.error
      : new Error(`connect: unexpected strategy result ${result.kind}`);
  }

  /** `GET /oauth/callback`: consumes the state once, exchanges the code and stores the credential. */
  async complete(request: FastifyRequest): Promise<BrowserAnswer> {
    if (request.method === 'HEAD') return pages.openInBrowser();
    const params = callbackParams(request.query);
    // An OAuth response carries a state and exactly one of code or error.
    const oneOutcome = (params?.code === undefined) !== (params?.error === undefined);
    if (!params?.state || !RANDOM_TOKEN.test(params.state) || !oneOutcome)
      return this.refuseState(request.id);
    if (params.error) return this.finishWithoutCode(params.state, params.error, request.id);
    // A read only, to learn which client's strategy to build; the state store consumes atomically.
    const session = await this.sessions.findAwaitingState(sha256(params.state), this.clock.now());
    if (!session) return this.refuseState(request.id);
    const client = await this.connectableClient(session);
    if (!client) return pages.clientUnusable();
    const store = new ConnectStateStore(this.sessions, this.clock, session.id);
    const result = await runStrategy<ConnectedUser>(
      this.strategyFor(session.tenantId, client, store, request.id),
      request,
    );
    switch (result.kind) {
      case 'success':
        return this.finishConnected(store.consumed ?? session, client, result.user.tokens, request.id);
      case 'fail':
        // Another request consumed the state between our read and the store's UPDATE.
        return this.refuseState(request.id);
      case 'error':
        // Not consumed: the store itself failed (database); nothing was exchanged.
        if (!store.consumed) throw result.error;
        return this.finishFailed(store.consumed, client, exchangeErrorOf(result.error), request.id);
      default:
        throw new Error(`connect: unexpected strategy result ${result.kind}`);
    }
  }

  private strategyFor(
    tenantId: string,
    client: UsableOAuthClient,
    store: ConnectStateStore,
    requestId: string,
  ): ParticleConnectStrategy {
    return new ParticleConnectStrategy({
      apiUrl: this.config.particle.apiUrl,
      clientId: client.credentials.clientId,
      callbackUrl: this.callbackUrl,
      store,
      exchange: (code, redirectUri) =>
        this.particle.token(
          client.credentials,
          { type: 'authorization_code', code, redirectUri },
          { tenantId, scheduled: false, requestId },
        ),
    });
  }

  /** Why the client cannot run this flow for the tenant, or undefined when it can. */
  private async clientProblem(tenantId: string, oauthClientId: string): Promise<string | undefined> {
    const client = await this.usableClient(tenantId, oauthClientId);
    if (!client) return 'is not an OAuth client of this tenant';
    if (client.type !== 'web') return 'must be a web OAuth client (type web)';
    // Particle redirects only to the registered URI, so anything else could never reach the callback.
    if (client.redirectUri !== this.callbackUrl) return `must have redirect_uri ${this.callbackUrl}`;
    return undefined;
  }

  private async connectableClient(session: ConnectSessionEntity): Promise<UsableOAuthClient | undefined> {
    const client = await this.usableClient(session.tenantId, session.oauthClientId);
    return client?.type === 'web' && client.redirectUri === this.callbackUrl ? client : undefined;
  }

  private async usableClient(
    tenantId: string,
    oauthClientId: string,
  ): Promise<UsableOAuthClient | undefined> {
    try {
      return await this.oauthClients.usableBy(tenantId, oauthClientId);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  private refuseState(requestId: string): BrowserAnswer {
    // Never the state itself: the log line only says that a callback was turned away.
    this.logger.warn(requestFields(requestId), 'connect callback refused: state unknown, used or expired');
    return pages.stateInvalid();
  }

  /** Particle sent the person back with `error` (a denial): consume the state, record, store nothing. */
  private async finishWithoutCode(state: string, error: string, requestId: string): Promise<BrowserAnswer> {
    // passport-oauth2 does not look at the state of an error response, so the broker consumes it itself.
    const session = await this.sessions.consumeState(sha256(state), this.clock.now());
    if (!session) return this.refuseState(requestId);
    const particleError = OAUTH_ERROR_CODE.test(error) ? error : 'unrecognised';
    if (particleError !== 'access_denied') {
      await this.settle(session, 'failed', null, requestId, { particle_error: particleError });
      return pages.failed(false, withConnectResult(session.returnTo, { connect: 'failed' }));
    }
    await this.settle(session, 'denied', null, requestId, {});
    const back = withConnectResult(session.returnTo, { connect: 'denied' });
    return back ? redirectTo(back) : pages.denied();
  }

  private async finishConnected(
    session: ConnectSessionEntity,
    client: UsableOAuthClient,
    tokens: TokenSet,
    requestId: string,
  ): Promise<BrowserAnswer> {
    let credentialId: string;
    try {
      const credential = await this.credentials.store(
        {
          tenantId: session.tenantId,
          kind: 'authorization_code',
          oauthClientId: client.id,
          issuerClientId: client.credentials.clientId,
          scope: null,
          username: null,
          tokens,
          keepRefreshToken: true,
        },
        undefined,
        requestId,
      );
      credentialId = credential.id;
    } catch (err) {
      await this.settle(session, 'failed', null, requestId, { error: 'storage' });
      throw err;
    }
    await this.oauthClients.recordWorking(client);
    await this.settle(session, 'success', credentialId, requestId, {});
    const back = withConnectResult(session.returnTo, { connect: 'success', credential_id: credentialId });
    return back ? redirectTo(back) : pages.connected(credentialId);
  }

  private async finishFailed(
    session: ConnectSessionEntity,
    client: UsableOAuthClient,
    err: unknown,
    requestId: string,
  ): Promise<BrowserAnswer> {
    const kind = isParticleError(err) ? err.kind : 'error';
    this.logger.warn(requestFields(requestId), `connect code exchange failed: ${kind}`);
    await this.settle(session, 'failed', null, requestId, {
      error: kind,
      ...(isParticleError(err) && err.particleError ? { particle_error: err.particleError } : {}),
    });
    if (!isParticleError(err)) throw err;
    if (err.kind === 'invalid_client') await this.oauthClients.recordInvalid(client.id, err.description);
    return pages.failed(isTransient(err), withConnectResult(session.returnTo, { connect: 'failed' }));
  }

  /** Records how the session ended and audits it before the person sees the result. */
  private async settle(
    session: ConnectSessionEntity,
    outcome: ConnectOutcome,
    credentialId: string | null,
    requestId: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.sessions.recordOutcome(session.id, outcome, credentialId);
    await this.audit.record({
      actor: CONNECT_ACTOR,
      action: 'credential.connect',
      outcome: outcome === 'success' ? 'success' : outcome === 'denied' ? 'denied' : 'failure',
      tenantId: session.tenantId,
      target: credentialId,
      requestId,
      details: {
        connect_session_id: session.id,
        oauth_client_id: session.oauthClientId,
        result: outcome,
        ...details,
      },
    });
  }
}
