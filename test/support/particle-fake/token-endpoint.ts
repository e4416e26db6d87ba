import { invalidClient, jsonReply, oauthError, presentedClientCredentials } from './replies.js';
import type { FakeState } from './state.js';
import type { LifetimeRequest } from './token-store.js';
import type { FakeClient, IncomingCall, Reply } from './types.js';

/** §2.3: 90 days when the caller asks for nothing. */
export const DEFAULT_LIFETIME_SECONDS = 7_776_000;

const GRANT_TYPES = new Set([
  'password',
  'urn:custom:mfa-otp',
  'client_credentials',
  'refresh_token',
  'authorization_code',
]);

/** §2.4: token answers must not be cached by anything in between. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

type Expiry = { expiresAt: number | null } | { reply: Reply };

export function handleTokenRequest(state: FakeState, call: IncomingCall): Reply {
  // §0.6 / §2.5: form-encoded POST only, checked before anything else.
  if (call.method !== 'POST' || !call.form) {
    return oauthError(
      400,
      'invalid_request',
      'Method must be POST with application/x-www-form-urlencoded encoding',
    );
  }
  const form = call.form;
  const grantType = form.grant_type;
  if (!grantType || !GRANT_TYPES.has(grantType)) {
    return oauthError(400, 'invalid_request', 'Invalid or missing grant_type parameter');
  }
  const presented = presentedClientCredentials(call.headers, form);
  if (!presented.clientId) return invalidClient('Invalid or missing client_id parameter');
  if (!presented.secret) return invalidClient('Missing client_secret parameter');
  const client = state.clients.get(presented.clientId);
  if (!client || client.secret !== presented.secret) return invalidClient('Client credentials are invalid');

  switch (grantType) {
    case 'password':
      return passwordGrant(state, client, form);
    case 'urn:custom:mfa-otp':
      return mfaOtpGrant(state, client, form);
    case 'client_credentials':
      return clientCredentialsGrant(state, client, form);
    case 'refresh_token':
      return refreshTokenGrant(state, client, form);
    default:
      return authorizationCodeGrant(state, client, form);
  }
}

function passwordGrant(state: FakeState, client: FakeClient, form: Record<string, string>): Reply {
  const { username, password } = form;
  // §2.2: the framework reports missing user fields as a client error.
  if (!username || !password) {
    return invalidClient('Missing parameters. "username" and "password" are required');
  }
  const lifetime = lifetimeOf(form);
  const expiry = resolveExpiry(lifetime, state.now());
  if ('reply' in expiry) return expiry.reply;
  const user = state.users.get(username);
  if (!user) return oauthError(400, 'invalid_grant', 'User credentials are invalid');
  // §0.2: SSO accounts cannot use the password grant at all.
  if (user.sso) return oauthError(403, 'sso_user', 'This account must log in with single sign-on');
  if (user.password !== password) return oauthError(400, 'invalid_grant', 'User credentials are invalid');
  if (user.mfaSecretOtp !== undefined) {
    // §3: the lifetime asked for now is applied when the OTP arrives.
    const mfaToken = state.tokens.startMfa(client.id, username, lifetime);
    return oauthError(403, 'mfa_required', 'Multi-factor authentication required', { mfa_token: mfaToken });
  }
  return tokenReply(state, client, { username }, expiry.expiresAt);
}

function mfaOtpGrant(state: FakeState, client: FakeClient, form: Record<string, string>): Reply {
  const { mfa_token: mfaToken, otp } = form;
  if (!mfaToken || !otp) return oauthError(400, 'invalid_request', 'You must provide otp and mfa token.');
  const pending = state.tokens.findMfa(mfaToken, client.id);
  if (pending === 'invalid') return oauthError(400, 'invalid_grant', 'Invalid mfa token');
  if (pending === 'expired') return oauthError(400, 'invalid_grant', 'MFA token has expired');
  // §3: a wrong OTP is a 401 invalid_token in the framework's tests.
  if (state.users.get(pending.username)?.mfaSecretOtp !== otp) {
    return oauthError(401, 'invalid_token', 'Could not validate OTP.');
  }
  const expiry = resolveExpiry(pending.lifetime, state.now());
  if ('reply' in expiry) return expiry.reply;
  state.tokens.finishMfa(mfaToken);
  return tokenReply(state, client, { username: pending.username }, expiry.expiresAt);
}

function clientCredentialsGrant(state: FakeState, client: FakeClient, form: Record<string, string>): Reply {
  const expiry = resolveExpiry(lifetimeOf(form), state.now());
  if ('reply' in expiry) return expiry.reply;
  const scope = form.scope;
  if (scope) {
    // §8: `scope=customer=<email>` is the only scope, and only product clients have customers.
    const customer = /^customer=(.+)$/.exec(scope)?.[1];
    if (client.kind !== 'product' || !customer) return oauthError(400, 'invalid_scope', 'Invalid scope');
    return tokenReply(state, client, { username: customer, scope }, expiry.expiresAt);
  }
  // §2.2 (a)/(b): a product client gets a product token, a user client a token for its owner.
  return tokenReply(state, client, {}, expiry.expiresAt);
}

function refreshTokenGrant(state: FakeState, client: FakeClient, form: Record<string, string>): Reply {
  if (!form.refresh_token) return oauthError(400, 'invalid_request', 'No "refresh_token" parameter');
  // §14: whether expires_in is honoured here is UNCONFIRMED; honouring it is the lenient choice.
  const expiry = resolveExpiry(lifetimeOf(form), state.now());
  if ('reply' in expiry) return expiry.reply;
  const renewed = state.tokens.useRefreshToken(form.refresh_token, client.id);
  if (typeof renewed === 'string') return oauthError(400, 'invalid_grant', renewed);
  return tokenReply(state, client, { username: renewed.username, scope: renewed.scope }, expiry.expiresAt);
}

function authorizationCodeGrant(state: FakeState, client: FakeClient, form: Record<string, string>): Reply {
  if (!form.code) return oauthError(400, 'invalid_request', 'No "code" parameter');
  const expiry = resolveExpiry(lifetimeOf(form), state.now());
  if ('reply' in expiry) return expiry.reply;
  const redeemed = state.tokens.redeemCode(form.code, client.id);
  if (typeof redeemed === 'string') return oauthError(400, 'invalid_grant', redeemed);
  return tokenReply(state, client, { username: redeemed.username }, expiry.expiresAt);
}

/** A token as if Particle had issued it; expiring tokens get a refresh token, as on the wire. */
export function seedToken(
  state: FakeState,
  options: { clientId?: string; username?: string; scope?: string; expiresInSeconds?: number },
): { accessToken: string; refreshToken?: string } {
  const clientId = options.clientId ?? 'particle';
  const seconds = options.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS;
  return state.tokens.issue({
    clientId,
    refreshable: state.clients.get(clientId)?.kind === 'product',
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    expiresAt: seconds === 0 ? null : state.now() + seconds * 1000,
  });
}

function tokenReply(
  state: FakeState,
  client: FakeClient,
  who: { username?: string; scope?: string },
  expiresAt: number | null,
): Reply {
  const issued = state.tokens.issue({
    clientId: client.id,
    refreshable: client.kind === 'product',
    ...who,
    expiresAt,
  });
  return jsonReply(
    200,
    {
      token_type: 'bearer',
      access_token: issued.accessToken,
      // §2.4: expires_in is absent exactly when the token never expires.
      ...(expiresAt === null ? {} : { expires_in: Math.round((expiresAt - state.now()) / 1000) }),
      ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
      ...(who.scope ? { scope: who.scope } : {}),
    },
    NO_STORE,
  );
}

function lifetimeOf(form: Record<string, string>): LifetimeRequest {
  return { expiresIn: form.expires_in, expiresAt: form.expires_at };
}

/** §2.3: `expires_in` seconds (0 = never) or an ISO `expires_at`; precedence UNCONFIRMED: expires_in wins. */
export function resolveExpiry(lifetime: LifetimeRequest, now: number): Expiry {
  if (lifetime.expiresIn !== undefined) {
    if (!/^\d+$/.test(lifetime.expiresIn)) {
      return { reply: oauthError(400, 'invalid_request', 'Invalid expires_in parameter') };
    }
    const seconds = Number(lifetime.expiresIn);
    return { expiresAt: seconds === 0 ? null : now + seconds * 1000 };
  }
  if (lifetime.expiresAt !== undefined) {
    // §2.3: the legacy API accepted null for "never".
    if (lifetime.expiresAt === 'null') return { expiresAt: null };
    const at = Date.parse(lifetime.expiresAt);
    if (Number.isNaN(at) || at <= now) {
      return { reply: oauthError(400, 'invalid_request', 'Invalid expires_at parameter') };
    }
    return { expiresAt: at };
  }
  return { expiresAt: now + DEFAULT_LIFETIME_SECONDS * 1000 };
}
