import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import {
  WEB_REDIRECT,
  USER_CLIENT,
  WEB,
  fx,
  send,
  postToken,
  withBearer,
  str,
  useFreshFake,
} from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: authorization code flow`, () => {
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
    fx.fake.authorizeApprovals = 'deny';

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
    fx.clock += 30_000;

    const late = await postToken({ grant_type: 'authorization_code', code }, WEB);

    expect(late.status).toBe(400);
    expect(late.json).toEqual({ error: 'invalid_grant', error_description: 'Code has expired' });
  });
});
