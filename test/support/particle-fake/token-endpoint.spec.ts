import { describe, expect, it } from 'vitest';
import { ParticleFake, type FakeClient } from '../particle-fake.js';
import {
  DAY_MS,
  PRODUCT,
  USER_CLIENT,
  ALICE,
  BOB,
  CAROL,
  fx,
  send,
  basicAuth,
  postToken,
  withBearer,
  str,
  login,
  useFreshFake,
} from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: POST /oauth/token`, () => {
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
    fx.clock += 60_000;
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
    fx.clock += 5 * 60 * 1000;
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
    const otherScope = await postToken({ grant_type: 'client_credentials', scope: 'devices:list' }, PRODUCT);

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
    fx.fake.addClient(otherProduct);
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
    fx.clock += 14 * DAY_MS;

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
