import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ParticleFake, type FakeClient, type FakeUser, type ParticleFakeOptions } from './particle-fake.js';

type Json = Record<string, unknown>;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

const START = Date.parse('2030-01-01T00:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const WEB_REDIRECT = 'https://broker.example/connect/callback';

const PRODUCT: FakeClient = {
  id: 'product-client',
  secret: 'product-secret',
  kind: 'product',
  productId: 1234,
};
const USER_CLIENT: FakeClient = { id: 'particle', secret: 'particle', kind: 'user' };
const WEB: FakeClient = {
  id: 'web-client',
  secret: 'web-secret',
  kind: 'user',
  type: 'web',
  redirectUri: WEB_REDIRECT,
};
const ALICE: FakeUser = { username: 'alice@example.com', password: 'alice-password' };
const BOB: FakeUser = { username: 'bob@example.com', password: 'bob-password', mfaSecretOtp: '123456' };
const CAROL: FakeUser = { username: 'carol@example.com', password: 'carol-password', sso: true };

let clock = START;
let fake: ParticleFake;

async function startFake(options: ParticleFakeOptions = {}): Promise<ParticleFake> {
  const started = await ParticleFake.start({ now: () => clock, ...options });
  for (const client of [PRODUCT, USER_CLIENT, WEB]) started.addClient(client);
  for (const user of [ALICE, BOB, CAROL]) started.addUser(user);
  return started;
}

async function restartWith(options: ParticleFakeOptions): Promise<void> {
  await fake.close();
  fake = await startFake(options);
}

async function send(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${fake.url}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: res.status, headers: res.headers, text, json: isJson ? (JSON.parse(text) as Json) : {} };
}

function basicAuth(client: FakeClient): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
}

/** With a client, authenticates by HTTP Basic; without, the fields must carry whatever credentials apply. */
function postToken(fields: Record<string, string>, client?: FakeClient): Promise<Answer> {
  return send('/oauth/token', {
    method: 'POST',
    headers: client ? { authorization: basicAuth(client) } : {},
    body: new URLSearchParams(fields),
  });
}

function withBearer(path: string, token: string, init: RequestInit = {}): Promise<Answer> {
  return send(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
}

function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function login(user: FakeUser, extra: Record<string, string> = {}): Promise<Answer> {
  return postToken(
    { grant_type: 'password', username: user.username, password: user.password, ...extra },
    USER_CLIENT,
  );
}

beforeEach(async () => {
  clock = START;
  fake = await startFake();
});

afterEach(async () => {
  await fake.close();
});

describe(ParticleFake.name, () => {
  describe('POST /oauth/token', () => {
    it('accepts only form-encoded POSTs', async () => {
      const json = await send('/oauth/token', {
        method: 'POST',
        headers: { authorization: basicAuth(PRODUCT), 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      const get = await send('/oauth/token');

      for (const answer of [json, get]) {
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual({
          error: 'invalid_request',
          error_description: 'Method must be POST with application/x-www-form-urlencoded encoding',
        });
      }
    });

    it('authenticates the client by HTTP Basic or by body fields', async () => {
      const basic = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      const body = await postToken({
        grant_type: 'client_credentials',
        client_id: PRODUCT.id,
        client_secret: PRODUCT.secret,
      });

      expect(basic.status).toBe(200);
      expect(body.status).toBe(200);
    });

    it('rejects missing, unknown or wrong client credentials as invalid_client with a Basic challenge', async () => {
      const missing = await postToken({ grant_type: 'client_credentials' });
      const noSecret = await postToken({ grant_type: 'client_credentials', client_id: PRODUCT.id });
      const unknown = await postToken({ grant_type: 'client_credentials' }, { ...PRODUCT, id: 'nobody' });
      const wrong = await postToken({ grant_type: 'client_credentials' }, { ...PRODUCT, secret: 'nope' });

      expect(missing.json.error_description).toBe('Invalid or missing client_id parameter');
      expect(noSecret.json.error_description).toBe('Missing client_secret parameter');
      for (const answer of [unknown, wrong]) {
        expect(answer.json).toEqual({
          error: 'invalid_client',
          error_description: 'Client credentials are invalid',
        });
      }
      for (const answer of [missing, noSecret, unknown, wrong]) {
        expect(answer.status).toBe(400);
        expect(answer.json.error).toBe('invalid_client');
        expect(answer.headers.get('www-authenticate')).toBe('Basic realm="Service"');
      }
    });

    it('rejects an unknown or missing grant type', async () => {
      for (const fields of [{ grant_type: 'implicit' }, {}] as Record<string, string>[]) {
        const answer = await postToken(fields, PRODUCT);
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual({
          error: 'invalid_request',
          error_description: 'Invalid or missing grant_type parameter',
        });
      }
    });

    it('logs a user in with the password grant and answers with an uncacheable token', async () => {
      const answer = await login(ALICE);

      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('pragma')).toBe('no-cache');
      expect(answer.json).toEqual({
        token_type: 'bearer',
        access_token: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
        expires_in: 7776000,
        refresh_token: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
      });
      const current = await withBearer('/v1/access_tokens/current', str(answer.json.access_token));
      expect(current.json.client_id).toBe(USER_CLIENT.id);
    });

    it('rejects a wrong password or an unknown user as invalid_grant', async () => {
      const wrong = await login({ ...ALICE, password: 'guess' });
      const unknown = await login({ username: 'mallory@example.com', password: 'x' });

      for (const answer of [wrong, unknown]) {
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual({
          error: 'invalid_grant',
          error_description: 'User credentials are invalid',
        });
      }
    });

    it('refuses the password grant to SSO users', async () => {
      const answer = await login(CAROL);

      expect(answer.status).toBe(403);
      expect(answer.json.error).toBe('sso_user');
    });

    it('challenges MFA users and applies the first step’s lifetime once the right OTP follows a wrong one', async () => {
      const challenge = await login(BOB, { expires_in: '3600' });
      expect(challenge.status).toBe(403);
      expect(challenge.json).toMatchObject({
        error: 'mfa_required',
        error_description: 'Multi-factor authentication required',
      });
      const mfaToken = str(challenge.json.mfa_token);

      const wrong = await postToken(
        { grant_type: 'urn:custom:mfa-otp', mfa_token: mfaToken, otp: '000000' },
        USER_CLIENT,
      );
      clock += 60_000;
      const right = await postToken(
        { grant_type: 'urn:custom:mfa-otp', mfa_token: mfaToken, otp: '123456' },
        USER_CLIENT,
      );
      const replay = await postToken(
        { grant_type: 'urn:custom:mfa-otp', mfa_token: mfaToken, otp: '123456' },
        USER_CLIENT,
      );

      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({ error: 'invalid_token', error_description: 'Could not validate OTP.' });
      expect(right.status).toBe(200);
      expect(right.json.expires_in).toBe(3600);
      expect(replay.status).toBe(400);
      expect(replay.json.error).toBe('invalid_grant');
    });

    it('rejects the OTP step without its fields, or with an unknown or expired mfa token', async () => {
      const missing = await postToken({ grant_type: 'urn:custom:mfa-otp', otp: '123456' }, USER_CLIENT);
      const unknown = await postToken(
        { grant_type: 'urn:custom:mfa-otp', mfa_token: 'nope', otp: '123456' },
        USER_CLIENT,
      );
      const mfaToken = str((await login(BOB)).json.mfa_token);
      clock += 5 * 60 * 1000;
      const expired = await postToken(
        { grant_type: 'urn:custom:mfa-otp', mfa_token: mfaToken, otp: '123456' },
        USER_CLIENT,
      );

      expect(missing.status).toBe(400);
      expect(missing.json).toEqual({
        error: 'invalid_request',
        error_description: 'You must provide otp and mfa token.',
      });
      for (const answer of [unknown, expired]) {
        expect(answer.status).toBe(400);
        expect(answer.json.error).toBe('invalid_grant');
      }
    });

    it('gives a product client a product token and a user client an owner token, with the default lifetime', async () => {
      const product = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      const owner = await postToken({ grant_type: 'client_credentials' }, USER_CLIENT);

      for (const [answer, client] of [
        [product, PRODUCT],
        [owner, USER_CLIENT],
      ] as const) {
        expect(answer.status).toBe(200);
        expect(answer.json.expires_in).toBe(7776000);
        expect(answer.json).not.toHaveProperty('scope');
        const current = await withBearer('/v1/access_tokens/current', str(answer.json.access_token));
        expect(current.json).toMatchObject({ client: client.id, client_id: client.id });
      }
    });

    it('issues customer-scoped tokens to product clients only', async () => {
      const customer = await postToken(
        { grant_type: 'client_credentials', scope: 'customer=jane@example.com' },
        PRODUCT,
      );
      const fromUserClient = await postToken(
        { grant_type: 'client_credentials', scope: 'customer=jane@example.com' },
        USER_CLIENT,
      );
      const otherScope = await postToken(
        { grant_type: 'client_credentials', scope: 'devices:list' },
        PRODUCT,
      );

      expect(customer.status).toBe(200);
      expect(customer.json.scope).toBe('customer=jane@example.com');
      for (const answer of [fromUserClient, otherScope]) {
        expect(answer.status).toBe(400);
        expect(answer.json.error).toBe('invalid_scope');
      }
    });

    it('refreshes product tokens with the issuing client only, rotating the refresh token', async () => {
      const otherProduct: FakeClient = {
        id: 'other-product',
        secret: 'other-secret',
        kind: 'product',
        productId: 1234,
      };
      fake.addClient(otherProduct);
      const issued = await postToken(
        { grant_type: 'client_credentials', scope: 'customer=jane@example.com' },
        PRODUCT,
      );
      const refreshToken = str(issued.json.refresh_token);

      const wrongClient = await postToken(
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        otherProduct,
      );
      const renewed = await postToken({ grant_type: 'refresh_token', refresh_token: refreshToken }, PRODUCT);
      const reused = await postToken({ grant_type: 'refresh_token', refresh_token: refreshToken }, PRODUCT);

      expect(renewed.status).toBe(200);
      expect(renewed.json.scope).toBe('customer=jane@example.com');
      expect(renewed.json.refresh_token).not.toBe(refreshToken);
      expect((await withBearer('/v1/devices', str(renewed.json.access_token))).status).toBe(200);
      for (const answer of [wrongClient, reused]) {
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token' });
      }
    });

    it('refuses to refresh tokens issued to user clients', async () => {
      const developer = await login(ALICE);
      const refreshed = await postToken(
        { grant_type: 'refresh_token', refresh_token: str(developer.json.refresh_token) },
        USER_CLIENT,
      );

      expect(refreshed.status).toBe(400);
      expect(refreshed.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token' });
    });

    it('expires refresh tokens 14 days after issue', async () => {
      const issued = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      clock += 14 * DAY_MS;

      const late = await postToken(
        { grant_type: 'refresh_token', refresh_token: str(issued.json.refresh_token) },
        PRODUCT,
      );

      expect(late.status).toBe(400);
      expect(late.json).toEqual({ error: 'invalid_grant', error_description: 'Refresh token has expired' });
    });

    it('gives a never-expiring token for expires_in=0, without expires_in or a refresh token', async () => {
      const answer = await postToken({ grant_type: 'client_credentials', expires_in: '0' }, PRODUCT);
      const current = await withBearer('/v1/access_tokens/current', str(answer.json.access_token));

      expect(answer.status).toBe(200);
      expect(Object.keys(answer.json).sort()).toEqual(['access_token', 'token_type']);
      expect(current.json.expires_at).toBeNull();
    });

    it('honours an ISO expires_at', async () => {
      const answer = await postToken(
        { grant_type: 'client_credentials', expires_at: '2030-01-02T00:00:00.000Z' },
        PRODUCT,
      );
      const current = await withBearer('/v1/access_tokens/current', str(answer.json.access_token));

      expect(answer.json.expires_in).toBe(86400);
      expect(current.json.expires_at).toBe('2030-01-02T00:00:00.000Z');
    });
  });

  describe('authorization code flow', () => {
    function authorizeUrl(overrides: Record<string, string> = {}): string {
      const query = new URLSearchParams({
        client_id: WEB.id,
        response_type: 'code',
        redirect_uri: WEB_REDIRECT,
        scope: '*:*',
        state: 'opaque-state',
        ...overrides,
      });
      return `/oauth/authorize?${query.toString()}`;
    }

    it('redirects with a code that only its client can exchange, and only once', async () => {
      const consent = await send(authorizeUrl());
      const location = new URL(consent.headers.get('location') ?? 'missing:');
      const code = location.searchParams.get('code') ?? '';

      const otherClient = await postToken({ grant_type: 'authorization_code', code }, USER_CLIENT);
      const exchanged = await postToken({ grant_type: 'authorization_code', code }, WEB);
      const replayed = await postToken({ grant_type: 'authorization_code', code }, WEB);

      expect(consent.status).toBe(302);
      expect(`${location.origin}${location.pathname}`).toBe(WEB_REDIRECT);
      expect(location.searchParams.get('state')).toBe('opaque-state');
      expect(exchanged.status).toBe(200);
      const current = await withBearer('/v1/access_tokens/current', str(exchanged.json.access_token));
      expect(current.json.client_id).toBe(WEB.id);
      for (const answer of [otherClient, replayed]) {
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid code' });
      }
    });

    it('redirects with access_denied when the user denies', async () => {
      fake.authorizeApprovals = 'deny';

      const consent = await send(authorizeUrl());
      const location = new URL(consent.headers.get('location') ?? 'missing:');

      expect(consent.status).toBe(302);
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('error_description')).toBeTruthy();
      expect(location.searchParams.get('state')).toBe('opaque-state');
      expect(location.searchParams.has('code')).toBe(false);
    });

    it('rejects unknown clients, non-web clients and a redirect_uri other than the registered one', async () => {
      const unknown = await send(authorizeUrl({ client_id: 'nobody' }));
      const installed = await send(authorizeUrl({ client_id: USER_CLIENT.id }));
      const mismatch = await send(authorizeUrl({ redirect_uri: 'https://evil.example/callback' }));

      for (const answer of [unknown, installed, mismatch]) {
        expect(answer.status).toBe(400);
        expect(answer.json.error).toEqual(expect.any(String));
      }
      expect(mismatch.json.error_description).toBe('redirect_uri does not match');
    });

    it('expires codes after 30 seconds', async () => {
      const consent = await send(authorizeUrl());
      const code = new URL(consent.headers.get('location') ?? 'missing:').searchParams.get('code') ?? '';
      clock += 30_000;

      const late = await postToken({ grant_type: 'authorization_code', code }, WEB);

      expect(late.status).toBe(400);
      expect(late.json).toEqual({ error: 'invalid_grant', error_description: 'Code has expired' });
    });
  });

  describe('bearer-protected endpoints', () => {
    it('describes a valid token at /v1/access_tokens/current, by header or by deprecated query', async () => {
      const { accessToken } = fake.issueToken({ clientId: PRODUCT.id, expiresInSeconds: 60 });

      const byHeader = await withBearer('/v1/access_tokens/current', accessToken);
      const byQuery = await send(`/v1/access_tokens/current?access_token=${accessToken}`);

      for (const answer of [byHeader, byQuery]) {
        expect(answer.status).toBe(200);
        expect(answer.json).toEqual({
          expires_at: '2030-01-01T00:01:00.000Z',
          client: PRODUCT.id,
          client_id: PRODUCT.id,
          scopes: [],
          orgs: [],
        });
      }
    });

    it('revokes the presented token on DELETE, after which it is invalid', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });

      const deleted = await withBearer('/v1/access_tokens/current', accessToken, { method: 'DELETE' });
      const after = await withBearer('/v1/access_tokens/current', accessToken);

      expect(deleted.status).toBe(200);
      expect(deleted.json).toEqual({ ok: true });
      expect(after.status).toBe(401);
      expect(after.json).toEqual({
        error: 'invalid_token',
        error_description: 'The access token provided is invalid.',
      });
    });

    it('answers 401 for revoked, expired and unknown tokens, and 400 without a token', async () => {
      const revoked = fake.issueToken({}).accessToken;
      fake.revokeToken(revoked);
      const expiredByHand = fake.issueToken({}).accessToken;
      fake.expireToken(expiredByHand);
      const expiredByClock = fake.issueToken({ expiresInSeconds: 60 }).accessToken;
      clock += 60_000;

      const answers = await Promise.all(
        [revoked, 'f'.repeat(40), expiredByHand, expiredByClock].map((token) =>
          withBearer('/v1/access_tokens/current', token),
        ),
      );
      const none = await send('/v1/access_tokens/current');

      expect(answers.map((answer) => [answer.status, answer.json.error_description])).toEqual([
        [401, 'The access token provided is invalid.'],
        [401, 'The access token provided is invalid.'],
        [401, 'The access token provided has expired.'],
        [401, 'The access token provided has expired.'],
      ]);
      expect(none.status).toBe(400);
      expect(none.json).toEqual({
        error: 'invalid_request',
        error_description: 'The access token was not found',
      });
    });

    it('guards /v1/devices with the same checks', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });

      const ok = await withBearer('/v1/devices', accessToken);
      const unknown = await withBearer('/v1/devices', 'a'.repeat(40));

      expect(ok.status).toBe(200);
      expect(Array.isArray(JSON.parse(ok.text))).toBe(true);
      expect(unknown.status).toBe(401);
      expect(unknown.json.error).toBe('invalid_token');
    });
  });

  describe('OAuth client management', () => {
    it('creates a product client from JSON whose secret is shown once and works at the token endpoint', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });

      const created = await withBearer('/v1/products/1234/clients', accessToken, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Broker rotation', type: 'installed', scope: '*:*' }),
      });
      const client = created.json.client as Json;
      const listed = await withBearer('/v1/products/1234/clients', accessToken);
      const minted = await postToken(
        { grant_type: 'client_credentials' },
        { id: str(client.id), secret: str(client.secret), kind: 'product' },
      );

      expect(created.status).toBe(200);
      expect(created.json.ok).toBe(true);
      expect(client).toMatchObject({ name: 'Broker rotation', type: 'installed', scope: '*:*' });
      expect(client.id).toMatch(/^broker-rotation-\d{4}$/);
      expect(listed.json).toEqual({
        ok: true,
        clients: [
          { id: PRODUCT.id, name: PRODUCT.id, type: 'installed' },
          { id: client.id, name: 'Broker rotation', type: 'installed', scope: '*:*' },
        ],
      });
      expect(minted.status).toBe(200);
      expect(minted.json.refresh_token).toEqual(expect.any(String));
    });

    it('creates a web user client from a form, requiring its redirect_uri', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });
      const form = (fields: Record<string, string>): RequestInit => ({
        method: 'POST',
        body: new URLSearchParams(fields),
      });

      const noRedirect = await withBearer('/v1/clients', accessToken, form({ name: 'Connect', type: 'web' }));
      const created = await withBearer(
        '/v1/clients',
        accessToken,
        form({ name: 'Connect', type: 'web', redirect_uri: WEB_REDIRECT }),
      );
      const listed = await withBearer('/v1/clients', accessToken);

      expect(noRedirect.status).toBe(400);
      expect(created.status).toBe(200);
      expect(created.json.client).toMatchObject({ type: 'web', redirect_uri: WEB_REDIRECT });
      const ids = (listed.json.clients as Json[]).map((client) => client.id);
      expect(ids).toEqual([USER_CLIENT.id, WEB.id, (created.json.client as Json).id]);
      expect(listed.text).not.toContain('secret');
    });

    it('deletes a client with 204, after which its secret is refused, and answers 404 for unknown ones', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });

      const deleted = await withBearer(`/v1/products/1234/clients/${PRODUCT.id}`, accessToken, {
        method: 'DELETE',
      });
      const again = await withBearer(`/v1/products/1234/clients/${PRODUCT.id}`, accessToken, {
        method: 'DELETE',
      });
      const minted = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect(again.status).toBe(404);
      expect(again.json.ok).toBe(false);
      expect(minted.json.error).toBe('invalid_client');
    });

    it('requires a valid bearer token', async () => {
      const none = await send('/v1/clients');
      const bad = await withBearer('/v1/clients', 'b'.repeat(40));

      expect(none.status).toBe(400);
      expect(bad.status).toBe(401);
    });
  });

  describe('token endpoint limits', () => {
    it('answers 429 once the window’s token budget is spent, until the window rolls on', async () => {
      await restartWith({ tokenBudget: 3, budgetWindowMs: 60_000 });

      const within = [];
      for (let i = 0; i < 3; i += 1)
        within.push(await postToken({ grant_type: 'client_credentials' }, PRODUCT));
      const over = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      clock += 60_000;
      const later = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

      expect(within.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(over.status).toBe(429);
      expect(over.json).toEqual({ error: 'rate_limit_exceeded', error_description: 'Rate limit exceeded.' });
      expect(later.status).toBe(200);
    });

    it('locks every token call out after N consecutive failures, until the lockout ends', async () => {
      await restartWith({ lockoutFailures: 3, lockoutMs: 60_000 });
      const wrongSecret = { ...PRODUCT, secret: 'stale' };

      for (let i = 0; i < 3; i += 1) await postToken({ grant_type: 'client_credentials' }, wrongSecret);
      const locked = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      const lockedStatus = { lockedOut: fake.lockedOut, max: fake.maxConsecutiveFailuresSeen };
      clock += 60_000;
      const after = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

      expect(lockedStatus).toEqual({ lockedOut: true, max: 3 });
      expect(locked.status).toBe(429);
      expect(after.status).toBe(200);
      expect(fake.lockedOut).toBe(false);
      expect(fake.consecutiveFailures).toBe(0);
    });

    it('resets the consecutive count on success and does not count the MFA challenge as a failure', async () => {
      await restartWith({ lockoutFailures: 3 });

      await login({ ...ALICE, password: 'guess' });
      await login(BOB);
      const afterChallenge = fake.consecutiveFailures;
      await login({ ...ALICE, password: 'guess' });
      await login(ALICE);
      await login({ ...ALICE, password: 'guess' });

      expect(afterChallenge).toBe(1);
      expect(fake.consecutiveFailures).toBe(1);
      expect(fake.maxConsecutiveFailuresSeen).toBe(2);
      expect(fake.lockedOut).toBe(false);
    });
  });

  describe('fault injection', () => {
    it('answers status faults with JSON, an HTML page or a given body, as many times as asked', async () => {
      const { accessToken } = fake.issueToken({});
      fake.injectFault({ kind: 'status', status: 503 }, { path: '/v1/devices', times: 1 });
      fake.injectFault(
        { kind: 'status', status: 502, html: true },
        { path: /^\/v1\/access_tokens/, times: 1 },
      );
      fake.injectFault(
        { kind: 'status', status: 500, body: { ok: false } },
        { path: '/v1/clients', times: 1 },
      );

      const json = await withBearer('/v1/devices', accessToken);
      const html = await withBearer('/v1/access_tokens/current', accessToken);
      const given = await withBearer('/v1/clients', accessToken);
      const healed = await withBearer('/v1/devices', accessToken);

      expect(json.status).toBe(503);
      expect(json.json.error).toBe('server_error');
      expect(html.status).toBe(502);
      expect(html.headers.get('content-type')).toContain('text/html');
      expect(html.text).toContain('502 Bad Gateway');
      expect(given.status).toBe(500);
      expect(given.json).toEqual({ ok: false });
      expect(healed.status).toBe(200);
    });

    it('counts faults on the token endpoint, and only there, as failed token calls', async () => {
      const { accessToken } = fake.issueToken({});
      fake.injectFault({ kind: 'status', status: 429 }, { path: '/oauth/token', times: 2 });
      fake.injectFault({ kind: 'status', status: 503 }, { path: '/v1/devices', times: 1 });

      const first = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      await withBearer('/v1/devices', accessToken);

      expect(first.status).toBe(429);
      expect(fake.consecutiveFailures).toBe(2);
      expect(fake.tokenCalls({ ok: false })).toBe(2);
    });

    it('skips faults whose rate loses and stops applying cleared faults', async () => {
      fake.injectFault({ kind: 'status', status: 500 }, { rate: 0 });
      const rateZero = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
      fake.injectFault({ kind: 'status', status: 500 });
      fake.clearFaults();
      const cleared = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

      expect([rateZero.status, cleared.status]).toEqual([200, 200]);
    });

    it('holds a timeout fault open until the client aborts', async () => {
      fake.injectFault({ kind: 'timeout' }, { path: '/oauth/token' });
      const controller = new AbortController();

      const pending = postToken({ grant_type: 'client_credentials' }, { ...PRODUCT, secret: 'held' });
      const aborted = fetch(`${fake.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
        signal: controller.signal,
      });
      const outcome = expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
      setTimeout(() => controller.abort(), 200);
      await outcome;
      const stillHeld = expect(pending).rejects.toThrow(TypeError);
      await fake.close();

      await stillHeld;
      expect(fake.requests.map((request) => request.status)).toEqual([0, 0]);
      expect(fake.consecutiveFailures).toBe(0);
    });

    it('delays a slow fault and then answers normally', async () => {
      const { accessToken } = fake.issueToken({ clientId: PRODUCT.id });
      fake.injectFault({ kind: 'slow', ms: 300 }, { path: '/v1/access_tokens/current', times: 2 });

      const impatient = withBearer('/v1/access_tokens/current', accessToken, {
        signal: AbortSignal.timeout(50),
      });
      await expect(impatient).rejects.toMatchObject({ name: 'TimeoutError' });
      const patient = await withBearer('/v1/access_tokens/current', accessToken);

      expect(patient.status).toBe(200);
      expect(patient.json.client_id).toBe(PRODUCT.id);
    });

    it('destroys the socket for a reset fault', async () => {
      fake.injectFault({ kind: 'reset' }, { path: '/oauth/token', times: 1 });

      await expect(postToken({ grant_type: 'client_credentials' }, PRODUCT)).rejects.toThrow(TypeError);
      const next = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

      expect(next.status).toBe(200);
      expect(fake.tokenCalls()).toBe(2);
      expect(fake.tokenCalls({ ok: true })).toBe(1);
    });

    it('adds latencyMs before every answer without changing it', async () => {
      await restartWith({ latencyMs: 300 });

      const patient = postToken({ grant_type: 'client_credentials' }, PRODUCT);
      const timedOut = send('/v1/devices', { signal: AbortSignal.timeout(50) });

      await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
      expect((await patient).status).toBe(200);
    });
  });

  describe('observation', () => {
    it('records every request with its path, headers, body, form, time and answered status', async () => {
      clock += 1_000;
      await postToken({
        grant_type: 'client_credentials',
        client_id: PRODUCT.id,
        client_secret: PRODUCT.secret,
      });
      await send('/v1/access_tokens/current?access_token=nope');

      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[0]).toMatchObject({
        method: 'POST',
        path: '/oauth/token',
        body: `grant_type=client_credentials&client_id=${PRODUCT.id}&client_secret=${PRODUCT.secret}`,
        form: { grant_type: 'client_credentials', client_id: PRODUCT.id, client_secret: PRODUCT.secret },
        at: START + 1_000,
        status: 200,
      });
      expect(fake.requests[0]?.headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(fake.requests[1]).toMatchObject({
        method: 'GET',
        path: '/v1/access_tokens/current',
        status: 401,
      });
      expect(fake.requests[1]?.form).toBeUndefined();
    });

    it('counts token calls by grant, client and outcome, and uses of each exact secret', async () => {
      await postToken({
        grant_type: 'client_credentials',
        client_id: PRODUCT.id,
        client_secret: PRODUCT.secret,
      });
      await postToken({ grant_type: 'client_credentials' }, { ...PRODUCT, secret: 'old-secret' });
      await login(ALICE);
      await login(BOB);
      await send('/v1/devices');

      expect(fake.tokenCalls()).toBe(4);
      expect(fake.tokenCalls({ grantType: 'client_credentials' })).toBe(2);
      expect(fake.tokenCalls({ grantType: 'password', ok: true })).toBe(1);
      expect(fake.tokenCalls({ clientId: PRODUCT.id })).toBe(2);
      expect(fake.tokenCalls({ clientId: PRODUCT.id, ok: false })).toBe(1);
      expect(fake.secretUses(PRODUCT.id, PRODUCT.secret)).toBe(1);
      expect(fake.secretUses(PRODUCT.id, 'old-secret')).toBe(1);
      expect(fake.secretUses(USER_CLIENT.id, USER_CLIENT.secret)).toBe(2);
    });

    it('forgets traffic, counters, the lockout and faults on reset, but keeps clients, users and tokens', async () => {
      await restartWith({ lockoutFailures: 2 });
      const { accessToken } = fake.issueToken({ clientId: PRODUCT.id });
      await login({ ...ALICE, password: 'guess' });
      await login({ ...ALICE, password: 'guess' });
      fake.injectFault({ kind: 'status', status: 500 }, { path: '/v1/devices' });
      const lockedBefore = fake.lockedOut;

      fake.reset();

      expect(lockedBefore).toBe(true);
      expect([fake.requests.length, fake.tokenCalls(), fake.consecutiveFailures]).toEqual([0, 0, 0]);
      expect([fake.maxConsecutiveFailuresSeen, fake.lockedOut]).toEqual([0, false]);
      expect((await withBearer('/v1/devices', accessToken)).status).toBe(200);
      expect((await login(ALICE)).status).toBe(200);
    });

    it('lists every secret it issued or received', async () => {
      const developer = await login(ALICE);
      await login({ ...ALICE, password: 'typo-password' });
      const challenge = await login(BOB);
      const { accessToken } = fake.issueToken({});
      const created = await withBearer('/v1/clients', accessToken, {
        method: 'POST',
        body: new URLSearchParams({ name: 'Leaky', type: 'installed' }),
      });

      expect(fake.allIssuedSecrets()).toEqual(
        expect.arrayContaining([
          PRODUCT.secret,
          USER_CLIENT.secret,
          ALICE.password,
          'typo-password',
          BOB.mfaSecretOtp,
          str(developer.json.access_token),
          str(developer.json.refresh_token),
          str(challenge.json.mfa_token),
          accessToken,
          str((created.json.client as Json).secret),
        ]) as unknown,
      );
    });
  });
});
