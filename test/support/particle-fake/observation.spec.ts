import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import {
  Json,
  START,
  PRODUCT,
  USER_CLIENT,
  ALICE,
  BOB,
  fx,
  restartWith,
  send,
  postToken,
  withBearer,
  str,
  login,
  useFreshFake,
} from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: observation`, () => {
  it('records every request with its path, headers, body, form, time and answered status', async () => {
    fx.clock += 1_000;
    await postToken({
      grant_type: 'client_credentials',
      client_id: PRODUCT.id,
      client_secret: PRODUCT.secret,
    });
    await send('/v1/access_tokens/current?access_token=nope');

    expect(fx.fake.requests).toHaveLength(2);
    expect(fx.fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/oauth/token',
      body: `grant_type=client_credentials&client_id=${PRODUCT.id}&client_secret=${PRODUCT.secret}`,
      form: { grant_type: 'client_credentials', client_id: PRODUCT.id, client_secret: PRODUCT.secret },
      at: START + 1_000,
      status: 200,
    });
    expect(fx.fake.requests[0]?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(fx.fake.requests[1]).toMatchObject({
      method: 'GET',
      path: '/v1/access_tokens/current',
      status: 401,
    });
    expect(fx.fake.requests[1]?.form).toBeUndefined();
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

    expect(fx.fake.tokenCalls()).toBe(4);
    expect(fx.fake.tokenCalls({ grantType: 'client_credentials' })).toBe(2);
    expect(fx.fake.tokenCalls({ grantType: 'password', ok: true })).toBe(1);
    expect(fx.fake.tokenCalls({ clientId: PRODUCT.id })).toBe(2);
    expect(fx.fake.tokenCalls({ clientId: PRODUCT.id, ok: false })).toBe(1);
    expect(fx.fake.secretUses(PRODUCT.id, PRODUCT.secret)).toBe(1);
    expect(fx.fake.secretUses(PRODUCT.id, 'old-secret')).toBe(1);
    expect(fx.fake.secretUses(USER_CLIENT.id, USER_CLIENT.secret)).toBe(2);
  });

  it('forgets traffic, counters, the lockout and faults on reset, but keeps clients, users and tokens', async () => {
    await restartWith({ lockoutFailures: 2 });
    const { accessToken } = fx.fake.issueToken({ clientId: PRODUCT.id });
    await login({ ...ALICE, password: 'guess' });
    await login({ ...ALICE, password: 'guess' });
    fx.fake.injectFault({ kind: 'status', status: 500 }, { path: '/v1/devices' });
    const lockedBefore = fx.fake.lockedOut;

    fx.fake.reset();

    expect(lockedBefore).toBe(true);
    expect([fx.fake.requests.length, fx.fake.tokenCalls(), fx.fake.consecutiveFailures]).toEqual([0, 0, 0]);
    expect([fx.fake.maxConsecutiveFailuresSeen, fx.fake.lockedOut]).toEqual([0, false]);
    expect((await withBearer('/v1/devices', accessToken)).status).toBe(200);
    expect((await login(ALICE)).status).toBe(200);
  });

  it('lists every secret it issued or received', async () => {
    const developer = await login(ALICE);
    await login({ ...ALICE, password: 'typo-password' });
    const challenge = await login(BOB);
    const { accessToken } = fx.fake.issueToken({});
    const created = await withBearer('/v1/clients', accessToken, {
      method: 'POST',
      body: new URLSearchParams({ name: 'Leaky', type: 'installed' }),
    });

    expect(fx.fake.allIssuedSecrets()).toEqual(
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
