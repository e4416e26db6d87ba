import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import {
  Json,
  WEB_REDIRECT,
  PRODUCT,
  USER_CLIENT,
  WEB,
  ALICE,
  fx,
  send,
  postToken,
  withBearer,
  str,
  useFreshFake,
} from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: OAuth client management`, () => {
  it('creates a product client from JSON whose secret is shown once and works at the token endpoint', async () => {
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });

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
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });
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
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });

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
