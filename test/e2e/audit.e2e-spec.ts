import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

interface AuditItem {
  id: string;
  actor: string;
  action: string;
  tenant_id: string | null;
  target: string | null;
  outcome: string;
  request_id: string | null;
  details: Record<string, unknown>;
}

async function counter(t: TestApp, name: 'auditInserts' | 'auditEvents'): Promise<number> {
  const metric = await t.app.get(MetricsService)[name].get();
  return metric.values[0]?.value ?? 0;
}

describe('audit log', () => {
  let t: TestApp;
  let api: Call;
  const admin = { key: TEST_ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(async () => t.close());

  it('records who did what, to which tenant, with the request id and outcome', async () => {
    await api('POST', '/v1/tenants', {
      ...admin,
      body: { id: 'acme', name: 'Acme' },
      headers: { 'x-request-id': 'req-create-acme' },
    });
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Again' } });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'acme-app',
        tenant_id: 'acme',
        client_id: 'acme-1',
        client_secret: 'audit-secret-value',
        type: 'installed',
      },
    });
    const page = await api<{ items: AuditItem[] }>('GET', '/v1/audit-events?tenant_id=acme', admin);
    expect(page.body.items.map((i) => [i.action, i.outcome])).toEqual([
      ['oauth_client.create', 'success'],
      ['tenant.create', 'failure'],
      ['tenant.create', 'success'],
    ]);
    expect(page.body.items[2]).toMatchObject({
      actor: 'bootstrap',
      tenant_id: 'acme',
      target: 'acme',
      request_id: 'req-create-acme',
    });
    expect(page.body.items[1]?.details).toMatchObject({ error: 'conflict' });
    expect(page.body.items[0]?.details).toMatchObject({ type: 'installed', client_id: 'acme-1' });
    expect(JSON.stringify(await t.db.query('SELECT * FROM audit_events'))).not.toContain(
      'audit-secret-value',
    );
  });

  it('filters by action and pages newest first with a cursor', async () => {
    for (let i = 0; i < 5; i++)
      await api('POST', '/v1/tenants', { ...admin, body: { id: `pg-${i}`, name: 'p' } });
    const first = await api<{ items: AuditItem[]; next_before: string }>(
      'GET',
      '/v1/audit-events?action=tenant.create&limit=2',
      admin,
    );
    expect(first.body.items.map((i) => i.target)).toEqual(['pg-4', 'pg-3']);
    const second = await api<{ items: AuditItem[] }>(
      'GET',
      `/v1/audit-events?action=tenant.create&limit=2&before=${first.body.next_before}`,
      admin,
    );
    expect(second.body.items.map((i) => i.target)).toEqual(['pg-2', 'pg-1']);
    expect((await api('GET', '/v1/audit-events?limit=9999', admin)).status).toBe(400);
    expect((await api('GET', '/v1/audit-events?before=abc', admin)).status).toBe(400);
  });

  it('writes N concurrent admin actions as N rows with fewer INSERT statements than requests', async () => {
    const n = 60;
    const insertsBefore = await counter(t, 'auditInserts');
    const eventsBefore = await counter(t, 'auditEvents');
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        api('POST', '/v1/tenants', { ...admin, body: { id: `burst-${i}`, name: 'b' } }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const rows = await t.db.query(
      `SELECT 1 FROM audit_events WHERE action = 'tenant.create' AND target LIKE 'burst-%'`,
    );
    expect(rows).toHaveLength(n);
    expect((await counter(t, 'auditEvents')) - eventsBefore).toBe(n);
    expect((await counter(t, 'auditInserts')) - insertsBefore).toBeLessThan(n);
  });
});

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('describes every admin endpoint with schemas', async () => {
    const doc = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    for (const path of [
      '/v1/tenants',
      '/v1/tenants/{id}',
      '/v1/oauth-clients',
      '/v1/oauth-clients/{id}',
      '/v1/api-keys',
      '/v1/api-keys/{id}',
      '/v1/audit-events',
      '/v1/admin/overview',
      '/v1/credentials',
      '/v1/tenants/{id}/credentials/{credentialId}/renewals',
      '/v1/console/session',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths['/v1/tenants'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.components.schemas).toHaveProperty('CreateTenantBody');
    expect(doc.components.schemas).toHaveProperty('OAuthClientView');
    expect(doc.components.schemas).toHaveProperty('OverviewView');
    expect(doc.components.schemas).toHaveProperty('CredentialPage');
    expect(doc.paths['/health/live']).toBeUndefined();
  });
});
