import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

describe('tenants API', () => {
  let t: TestApp;
  let api: Call;
  const admin = { key: TEST_ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(async () => t.close());

  it('refuses a missing or unknown key with 401 problem+json', async () => {
    for (const key of [undefined, 'ptb_not-a-real-key', '']) {
      const res = await api('GET', '/v1/tenants', key === undefined ? {} : { key });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'unauthorized', status: 401 });
    }
  });

  it('creates, reads, lists and deletes a tenant', async () => {
    const created = await api('POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Acme Corp' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 'acme',
      name: 'Acme Corp',
      created_at: expect.stringMatching(/Z$/) as string,
      updated_at: expect.stringMatching(/Z$/) as string,
    });
    const got = await api('GET', '/v1/tenants/acme', admin);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: 'acme', credentials: [] });
    const list = await api<{ items: { id: string }[] }>('GET', '/v1/tenants', admin);
    expect(list.body.items.map((i) => i.id)).toContain('acme');

    expect((await api('DELETE', '/v1/tenants/acme', admin)).status).toBe(204);
    expect((await api('GET', '/v1/tenants/acme', admin)).body).toMatchObject({
      code: 'not_found',
      status: 404,
    });
    expect((await api('DELETE', '/v1/tenants/acme', admin)).status).toBe(404);
  });

  it('answers 409 to a duplicate id and keeps the first tenant', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'dup-co', name: 'First' } });
    const again = await api('POST', '/v1/tenants', { ...admin, body: { id: 'dup-co', name: 'Second' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict' });
    expect((await api('GET', '/v1/tenants/dup-co', admin)).body).toMatchObject({ name: 'First' });
  });

  it('rejects bad input with 400 validation_failed listing every field, and creates nothing', async () => {
    const bad = await api<{ errors: { field: string }[] }>('POST', '/v1/tenants', {
      ...admin,
      body: { id: 'Bad_ID', name: '', extra: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed' });
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['extra', 'id', 'name']);
    for (const rawBody of ['{"id": "x"', '[]', '"str"']) {
      const res = await api('POST', '/v1/tenants', { ...admin, rawBody });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    const big = await api('POST', '/v1/tenants', { ...admin, body: { id: 'big', name: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 'validation_failed' });
    expect(await t.db.query('SELECT id FROM tenants WHERE id IN ($1, $2)', ['bad_id', 'big'])).toEqual([]);
  });

  it('pages the list with a cursor', async () => {
    for (const id of ['page-a', 'page-b', 'page-c'])
      await api('POST', '/v1/tenants', { ...admin, body: { id, name: id } });
    const first = await api<{ items: { id: string }[]; next_after: string }>(
      'GET',
      '/v1/tenants?limit=2&after=page',
      admin,
    );
    expect(first.body.items.map((i) => i.id)).toEqual(['page-a', 'page-b']);
    const second = await api<{ items: { id: string }[]; next_after: string | null }>(
      'GET',
      `/v1/tenants?limit=2&after=${first.body.next_after}`,
      admin,
    );
    expect(second.body.items[0]?.id).toBe('page-c');
    expect((await api('GET', '/v1/tenants?limit=0', admin)).status).toBe(400);
  });
});
