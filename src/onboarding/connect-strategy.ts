import { createHash, randomBytes } from 'node:crypto';
import type { OAuth2 } from 'oauth';
import OAuth2Strategy from 'passport-oauth2';
import type { Clock } from '../common/clock.js';
import type { TokenSet } from '../particle/particle-api.js';
import type { ConnectSessionEntity } from './connect-session.entity.js';
import { ConnectSessionsRepository } from './connect-sessions.repository.js';

/** 32 random bytes, base64url: the form of connect link tokens and OAuth states. */
export const RANDOM_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const randomToken = (): string => randomBytes(32).toString('base64url');

/** Links and states are stored only as this hash, so a database read yields nothing usable. */
export const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The session was opened (or expired) between reading it and binding a state to it. */
export class LinkUnavailableError extends Error {
  override readonly name = 'LinkUnavailableError';
  constructor() {
    super('The connect link was opened already or has expired');
  }
}

type StoreCallback = (err: Error | null, state?: string) => void;
type VerifyCallback = (err: Error | null, ok: boolean, info?: { message: string }) => void;

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * passport-oauth2's state store, backed by connect_sessions instead of an Express session: the state is
 * bound to one session, stored hashed, consumed once, and dies with the session's `expires_at`.
 * passport picks the signature by `Function.length`, so both methods keep exactly these parameters.
 */
export class ConnectStateStore {
  /** The session this request's state consumed, once `verify` has succeeded. */
  consumed: ConnectSessionEntity | undefined;

  constructor(
    private readonly sessions: ConnectSessionsRepository,
    private readonly clock: Clock,
    private readonly sessionId: string,
  ) {}

  store(_req: unknown, _meta: unknown, done: StoreCallback): void {
    const state = randomToken();
    this.sessions.openWithState(this.sessionId, sha256(state), this.clock.now()).then(
      (opened) => (opened ? done(null, state) : done(new LinkUnavailableError())),
      (err: unknown) => done(toError(err)),
    );
  }

  verify(_req: unknown, state: unknown, _meta: unknown, done: VerifyCallback): void {
    const refused = { message: 'The state is unknown, used or expired' };
    if (typeof state !== 'string' || !RANDOM_TOKEN.test(state)) return done(null, false, refused);
    this.sessions.consumeState(sha256(state), this.clock.now(), this.sessionId).then(
      (session) => {
        this.consumed = session;
        done(null, session !== undefined, session ? undefined : refused);
      },
      (err: unknown) => done(toError(err), false),
    );
  }
}

export interface ConnectStrategyOptions {
  /** Particle's API base URL. */
  apiUrl: string;
  clientId: string;
  /** The exact redirect_uri registered for the client: sent to /oauth/authorize and to the exchange. */
  callbackUrl: string;
  store: ConnectStateStore;
  /** The code exchange, through ParticleClient (shared budget and breaker), never node-oauth's HTTP. */
  exchange: (code: string, redirectUri: string) => Promise<TokenSet>;
}

/** What a successful `authenticate` hands to `success()`. */
export interface ConnectedUser {
  tokens: TokenSet;
}

type TokenCallback = (
  err: Error | null,
  accessToken?: string,
  refreshToken?: string,
  results?: TokenSet,
) => void;

/**
 * passport-oauth2 for one connect session. No scope is sent: Particle documents only `*:*` and
 * `customers:create` for clients (particle-cloud.md §4), so the client's own registered scope applies.
 * The client secret is never given to passport; only `exchange` holds it.
 */
export class ParticleConnectStrategy extends OAuth2Strategy {
  constructor(options: ConnectStrategyOptions) {
    super(
      {
        authorizationURL: `${options.apiUrl}/oauth/authorize`,
        tokenURL: `${options.apiUrl}/oauth/token`,
        clientID: options.clientId,
        clientSecret: '',
        callbackURL: options.callbackUrl,
        // The typings model passport's arity dispatch as overloads, which one method cannot satisfy.
        store: options.store as unknown as OAuth2Strategy.StateStore,
        skipUserProfile: true,
      },
      (
        _access: string,
        _refresh: string,
        results: TokenSet,
        _profile: unknown,
        verified: OAuth2Strategy.VerifyCallback,
      ) => verified(null, { tokens: results } satisfies ConnectedUser),
    );
    const exchange = (code: string, paramsOrDone: unknown, maybeDone?: TokenCallback): void => {
      const done = (typeof paramsOrDone === 'function' ? paramsOrDone : maybeDone) as TokenCallback;
      options.exchange(code, options.callbackUrl).then(
        (tokens) => done(null, tokens.accessToken, tokens.refreshToken ?? undefined, tokens),
        // passport wraps this in an InternalOAuthError whose `oauthError` is the ParticleError.
        (err: unknown) => done(toError(err)),
      );
    };
    // @types/oauth types the callback's error as never null, but node-oauth and passport use null for success.
    this._oauth2.getOAuthAccessToken = exchange as unknown as OAuth2['getOAuthAccessToken'];
  }
}

/** The error a failed exchange produced, unwrapped from passport's InternalOAuthError. */
export function exchangeErrorOf(err: unknown): unknown {
  return err instanceof OAuth2Strategy.InternalOAuthError ? (err.oauthError as unknown) : err;
}
