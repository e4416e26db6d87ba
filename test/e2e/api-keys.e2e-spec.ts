import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../../src/auth/api-keys.service.js';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

interface Created {
  id: string;
  key: string;
}

describe('API keys', () => {
  let a: TestApp;
  let b: TestApp;
  let apiA: Call;
  let apiB: Call;
  const clockB = new TestClock();
  const seen: string[] = [];
  const admin = { key: TEST_ADMIN_KEY };

  beforeAll(async () => {
    a = await startTestApp();
    // A second replica on the same database, with a clock the test can move.
    b = await startTestApp({ db: a.db, clock: clockB });
    apiA = client(a.url, seen);
    apiB = client(b.url, seen);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('creates a key shown once, lists it without the key, and accepts it', async () => {
    const created = await apiA<Created>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'ops laptop', role: 'admin', tenants: ['*'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ptb_[A-Za-z0-9_-]{43}$/);
    const list = await apiA<{ items: Record<string, unknown>[] }>('GET', '/v1/api-keys', {
      key: created.body.key,
    });
    expect(list.status).toBe(200);
    const item = list.body.items.find((i) => i.id === created.body.id);
    expect(item).toMatchObject({
      name: 'ops laptop',
      role: 'admin',
      key_prefix: created.body.key.slice(0, 12),
    });
    expect(item).not.toHaveProperty('key');
    expect(list.text).not.toContain(created.body.key);
    const [row] = await a.db.query<{ key_hash: Buffer }>('SELECT key_hash FROM api_keys WHERE id = $1', [
      created.body.id,
    ]);
    expect(row?.key_hash.toString('hex')).not.toContain(Buffer.from(created.body.key).toString('hex'));
  });

  it('keeps a service key away from admin endpoints', async () => {
    const svc = await apiA<Created>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'fleet', role: 'service', tenants: ['acme'] },
    });
    for (const [method, path] of [
      ['GET', '/v1/tenants'],
      ['GET', '/v1/tenants/acme'],
      ['POST', '/v1/tenants'],
      ['GET', '/v1/oauth-clients'],
      ['GET', '/v1/api-keys'],
      ['GET', '/v1/audit-events'],
    ] as const) {
      const res = await apiA(method, path, {
        key: svc.body.key,
        body: method === 'POST' ? { id: 'x1', name: 'x' } : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toMatchObject({ code: 'forbidden' });
    }
  });

  it('stops a deleted key at once on its replica and within the cache bound on another', async () => {
    const k = await apiA<Created>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'temp', role: 'admin', tenants: ['*'] },
    });
    expect((await apiB('GET', '/v1/tenants', { key: k.body.key })).status).toBe(200); // cached on B now
    expect((await apiA('DELETE', `/v1/api-keys/${k.body.id}`, admin)).status).toBe(204);
    expect((await apiA('GET', '/v1/tenants', { key: k.body.key })).status).toBe(401);
    clockB.advance(5_001);
    expect((await apiB('GET', '/v1/tenants', { key: k.body.key })).status).toBe(401);
    expect((await apiA('DELETE', `/v1/api-keys/${k.body.id}`, admin)).status).toBe(404);
    expect((await apiA('DELETE', '/v1/api-keys/not-a-uuid', admin)).status).toBe(404);
  });

  it('refuses an expired key', async () => {
    const expiresAt = new Date(clockB.now().getTime() + 60_000).toISOString();
    const k = await apiA<Created>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'short', role: 'admin', tenants: ['*'], expires_at: expiresAt },
    });
    expect((await apiB('GET', '/v1/tenants', { key: k.body.key })).status).toBe(200);
    clockB.advance(61_000);
    expect((await apiB('GET', '/v1/tenants', { key: k.body.key })).status).toBe(401);
    const past = await apiA('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'past', role: 'admin', tenants: ['*'], expires_at: '2001-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
  });

  it('records last use without a write per request', async () => {
    const k = await apiA<Created>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'used', role: 'admin', tenants: ['*'] },
    });
    await apiA('GET', '/v1/tenants', { key: k.body.key });
    expect((await a.db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [k.body.id]))[0]).toEqual({
      last_used_at: null,
    });
    await a.app.get(ApiKeysService).flushLastUsed();
    const [row] = await a.db.query<{ last_used_at: Date | null }>(
      'SELECT last_used_at FROM api_keys WHERE id = $1',
      [k.body.id],
    );
    expect(row?.last_used_at).toBeInstanceOf(Date);
  });

  it('validates new keys', async () => {
    for (const body of [
      { name: 'x', role: 'root', tenants: ['*'] },
      { name: 'x', role: 'service', tenants: [] },
      { name: 'x', role: 'service', tenants: ['Not Valid'] },
      { name: '', role: 'service', tenants: ['*'] },
    ]) {
      expect((await apiA('POST', '/v1/api-keys', { ...admin, body })).status, JSON.stringify(body)).toBe(400);
    }
  });

  it('never logs a key', () => {
    const keys = seen.flatMap((text) => text.match(/ptb_[A-Za-z0-9_-]{43}/g) ?? []);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of [...keys, TEST_ADMIN_KEY]) {
      expect(a.logs.text()).not.toContain(key);
      expect(b.logs.text()).not.toContain(key);
    }
  });
});

describe('API key rotation', () => {
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp({ clock });
    api = client(t.url);
  });
  afterAll(async () => t.close());

  const create = async () =>
    (
      await api<Created>('POST', '/v1/api-keys', {
        ...admin,
        body: { name: 'rotating', role: 'admin', tenants: ['*'] },
      })
    ).body;

  it('gives a new key and stops the old one at once by default', async () => {
    const old = await create();
    const res = await api<Created & { name: string }>('POST', `/v1/api-keys/${old.id}/rotate`, {
      ...admin,
      body: {},
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(old.id);
    expect(res.body.key).not.toBe(old.key);
    expect(res.body.name).toBe('rotating');
    expect((await api('GET', '/v1/tenants', { key: res.body.key })).status).toBe(200);
    expect((await api('GET', '/v1/tenants', { key: old.key })).status).toBe(401);
  });

  it('keeps the old key working through the grace period, then stops it', async () => {
    const old = await create();
    expect((await api('GET', '/v1/tenants', { key: old.key })).status).toBe(200);
    const res = await api<Created>('POST', `/v1/api-keys/${old.id}/rotate`, {
      key: old.key,
      body: { grace_seconds: 600 },
    });
    expect(res.status).toBe(201);
    expect((await api('GET', '/v1/tenants', { key: old.key })).status).toBe(200);
    expect((await api('GET', '/v1/tenants', { key: res.body.key })).status).toBe(200);
    clock.advance(601_000);
    expect((await api('GET', '/v1/tenants', { key: old.key })).status).toBe(401);
    expect((await api('GET', '/v1/tenants', { key: res.body.key })).status).toBe(200);
  });

  it('answers 404 for an unknown or already expired key and 400 for a bad grace', async () => {
    expect(
      (await api('POST', '/v1/api-keys/00000000-0000-4000-8000-000000000000/rotate', { ...admin, body: {} }))
        .status,
    ).toBe(404);
    const old = await create();
    await api('POST', `/v1/api-keys/${old.id}/rotate`, { ...admin, body: {} });
    expect((await api('POST', `/v1/api-keys/${old.id}/rotate`, { ...admin, body: {} })).status).toBe(404);
    expect(
      (await api('POST', `/v1/api-keys/${old.id}/rotate`, { ...admin, body: { grace_seconds: -5 } })).status,
    ).toBe(400);
  });
});
