import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import { PRODUCT, ALICE, fx, send, withBearer, useFreshFake } from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: bearer-protected endpoints`, () => {
  it('describes a valid token at /v1/access_tokens/current, by header or by deprecated query', async () => {
    const { accessToken } = fx.fake.issueToken({ clientId: PRODUCT.id, expiresInSeconds: 60 });

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
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });

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
    const revoked = fx.fake.issueToken({}).accessToken;
    fx.fake.revokeToken(revoked);
    const expiredByHand = fx.fake.issueToken({}).accessToken;
    fx.fake.expireToken(expiredByHand);
    const expiredByClock = fx.fake.issueToken({ expiresInSeconds: 60 }).accessToken;
    fx.clock += 60_000;

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
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });

    const ok = await withBearer('/v1/devices', accessToken);
    const unknown = await withBearer('/v1/devices', 'a'.repeat(40));

    expect(ok.status).toBe(200);
    expect(Array.isArray(JSON.parse(ok.text))).toBe(true);
    expect(unknown.status).toBe(401);
    expect(unknown.json.error).toBe('invalid_token');
  });
});
