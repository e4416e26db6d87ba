import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isAxiosError, type AxiosRequestConfig } from 'axios';
import { performance } from 'node:perf_hooks';
import { firstValueFrom } from 'rxjs';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  HttpAnswer,
  isParticleError,
  nonEmptyString,
  unanswered,
  UnavailableError,
} from './particle.errors.js';
import { requestFields } from '../logging/app-logger.js';
import { ParticleEndpoint, ParticleMetrics } from './particle.metrics.js';
import { EgressLane, EgressPermits } from './egress-lane.js';
import { expectSuccess, is2xx, successJson, tokenSetOf } from './particle-answers.js';
import {
  bearerHeaders,
  ClientCredentials,
  clientsPath,
  CreatedOAuthClient,
  CurrentToken,
  grantForm,
  NewOAuthClient,
  optional,
  TokenGrant,
  TokenSet,
} from './particle-api.js';
import { EgressCall, EgressPermit, TokenEndpointGuard } from './token-endpoint-guard.js';

type Request = AxiosRequestConfig & { method: string; url: string };

/** Axios's codes for its own timeout and for an aborted request (our AbortSignal timeout). */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);

/**
 * The only code that talks HTTP to Particle. Every answer becomes a typed result or a typed
 * `ParticleError`; token calls pass the shared token-endpoint guard. Logs carry method, path, status,
 * duration and error kind only: never bodies, tokens, secrets, passwords or OTPs. A call made for a
 * request is given that request's id (`requestId`, or `call.requestId` for token calls) for its lines.
 */
@Injectable()
export class ParticleClient {
  private readonly logger = new Logger(ParticleClient.name);
  private readonly timeoutMs: number;

  constructor(
    private readonly http: HttpService,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly guard: TokenEndpointGuard,
    private readonly clock: Clock,
    private readonly metrics: ParticleMetrics,
  ) {
    this.timeoutMs = config.particle.timeoutMs;
  }

  /**
   * `POST /oauth/token`, form-encoded, client authenticated by HTTP Basic. Never retried. `call`: whom
   * it is for (the guard's tenant shares and scheduled reserve). `permits`: a lane of this caller's
   * (`egressLane`) when its calls come one after another, else the guard.
   */
  async token(
    client: ClientCredentials,
    grant: TokenGrant,
    call: EgressCall,
    permits: EgressPermits = this.guard,
  ): Promise<TokenSet> {
    const permit = await permits.acquire(call);
    // The expiry is counted from before the request left, so it can only err on the early side.
    const sentAt = this.clock.now();
    let answered2xx = false;
    try {
      return await this.call(
        'token',
        call.requestId,
        {
          method: 'POST',
          url: '/oauth/token',
          data: new URLSearchParams(grantForm(grant)).toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          auth: { username: client.clientId, password: client.clientSecret },
        },
        (answer) => {
          answered2xx = is2xx(answer.status);
          return tokenSetOf(answer, sentAt, this.clock.now());
        },
      );
    } finally {
      await this.recordOutcome(permits, answered2xx, permit, call.requestId);
    }
  }

  /** For a caller making token calls one after another; it must `settle` the lane when done. */
  egressLane(requestId?: string): EgressLane {
    return new EgressLane(this.guard, requestId);
  }

  /** `GET /v1/access_tokens/current`: the cheap validity probe (§6, §12); any 401 is `invalid_token`. */
  async currentToken(accessToken: string, requestId?: string): Promise<CurrentToken> {
    return this.call(
      'current',
      requestId,
      { method: 'GET', url: '/v1/access_tokens/current', headers: bearerHeaders(accessToken) },
      (answer) => {
        const json = successJson(answer, this.clock.now());
        const expiresAt = json.expires_at ?? null;
        const parsed = typeof expiresAt === 'string' ? new Date(expiresAt) : null;
        if (expiresAt !== null && (parsed === null || Number.isNaN(parsed.getTime()))) {
          throw new UnavailableError({
            status: answer.status,
            description: 'Particle sent an unreadable expires_at',
          });
        }
        // §6 / §15: the docs say `client`, the SDK `client_id`.
        return {
          expiresAt: parsed,
          clientId: nonEmptyString(json.client_id) ?? nonEmptyString(json.client) ?? null,
        };
      },
    );
  }

  /** `DELETE /v1/access_tokens/current`; a 401 means the token is already dead, which is the goal. */
  async revokeCurrent(accessToken: string, requestId?: string): Promise<void> {
    await this.call(
      'revoke',
      requestId,
      { method: 'DELETE', url: '/v1/access_tokens/current', headers: bearerHeaders(accessToken) },
      (answer) => expectSuccess(answer, 401, this.clock.now()),
    );
  }

  /** Creates an OAuth client (§7); the secret in the result is the only copy there will ever be. */
  async createClient(bearer: string, spec: NewOAuthClient, requestId?: string): Promise<CreatedOAuthClient> {
    const body = {
      name: spec.name,
      type: spec.type,
      ...optional('redirect_uri', spec.redirectUri),
      ...optional('scope', spec.scope),
    };
    return this.call(
      'clients',
      requestId,
      {
        method: 'POST',
        url: clientsPath(spec.productId),
        data: JSON.stringify(body),
        headers: { ...bearerHeaders(bearer), 'Content-Type': 'application/json' },
      },
      (answer) => {
        const created = successJson(answer, this.clock.now()).client;
        const client =
          typeof created === 'object' && created !== null ? (created as Record<string, unknown>) : {};
        const clientId = nonEmptyString(client.id);
        const secret = nonEmptyString(client.secret);
        if (!clientId || !secret) {
          throw new UnavailableError({
            status: answer.status,
            description: `Particle created a client but its answer lacks the ${clientId ? 'secret' : 'id'}; it may need deleting by hand`,
          });
        }
        const type = client.type === 'web' || client.type === 'installed' ? client.type : spec.type;
        return {
          clientId,
          secret,
          name: nonEmptyString(client.name) ?? spec.name,
          type,
          redirectUri: nonEmptyString(client.redirect_uri) ?? null,
        };
      },
    );
  }

  /** Deletes an OAuth client; 404 means it is already gone, which is the goal. */
  async deleteClient(
    bearer: string,
    target: { productId?: string; clientId: string },
    requestId?: string,
  ): Promise<void> {
    await this.call(
      'clients',
      requestId,
      {
        method: 'DELETE',
        url: `${clientsPath(target.productId)}/${encodeURIComponent(target.clientId)}`,
        headers: bearerHeaders(bearer),
      },
      (answer) => expectSuccess(answer, 404, this.clock.now()),
    );
  }

  /** Sends, interprets, then logs and counts the outcome: 'ok' or the error kind. */
  private async call<T>(
    endpoint: ParticleEndpoint,
    requestId: string | undefined,
    request: Request,
    interpret: (answer: HttpAnswer) => T,
  ): Promise<T> {
    // Durations are measurements, not logic, so they use the monotonic clock rather than `Clock`.
    const started = performance.now();
    const call = `${request.method} ${request.url}`;
    let status: number | undefined;
    try {
      const answer = await this.send(request);
      status = answer.status;
      const result = interpret(answer);
      this.observe(endpoint, requestId, call, started, status);
      return result;
    } catch (err) {
      this.observe(endpoint, requestId, call, started, status, isParticleError(err) ? err.kind : 'error');
      throw err;
    }
  }

  private async send(request: Request): Promise<HttpAnswer> {
    // Axios's own timeout does not cover every phase (e.g. a hung connect); the signal does.
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await firstValueFrom(
        this.http.request<unknown>({
          ...request,
          signal,
          // Raw text: Particle always answers JSON, so a body that does not parse is a proxy's page.
          responseType: 'text',
          transformResponse: [(data: unknown) => data],
        }),
      );
      const retryAfter: unknown = res.headers['retry-after'];
      return {
        status: res.status,
        headers: { 'retry-after': retryAfter },
        body: typeof res.data === 'string' ? res.data : '',
      };
    } catch (err) {
      if (!isAxiosError(err) && !signal.aborted) throw err;
      // The axios error is dropped on purpose: its config holds the Authorization header and the body.
      const code = isAxiosError(err) ? err.code : undefined;
      throw unanswered(signal.aborted || TIMEOUT_CODES.has(code ?? ''), this.timeoutMs, code);
    }
  }

  private async recordOutcome(
    permits: EgressPermits,
    success: boolean,
    permit: EgressPermit,
    requestId: string | undefined,
  ): Promise<void> {
    try {
      await permits.recordOutcome(success, permit);
    } catch (err) {
      // Keep the call's own result: the unreleased lease expires and is then counted as a failure,
      // which errs on the safe side of Particle's lockout.
      this.logger.error(
        requestFields(requestId),
        `Could not record a token-endpoint outcome: ${err instanceof Error ? err.message : 'unknown error'}`,
      );
    }
  }

  private observe(
    endpoint: ParticleEndpoint,
    requestId: string | undefined,
    call: string,
    started: number,
    status?: number,
    outcome = 'ok',
  ): void {
    const seconds = (performance.now() - started) / 1000;
    this.metrics.observeRequest(endpoint, outcome, seconds);
    const line = `Particle ${call} -> ${status ?? 'no answer'} ${outcome} in ${Math.round(seconds * 1000)} ms`;
    if (outcome === 'ok') this.logger.debug(requestFields(requestId), line);
    else this.logger.warn(requestFields(requestId), line);
  }
}
