import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ParticleFake } from '../support/particle-fake.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TEST_ENCRYPTION_KEY, TestApp } from '../support/test-app.js';

const SECRET = 'atomic-product-secret-0123456789';
const NEXT_SECRET = 'atomic-product-secret-rotated-xyz';

/**
 * design.md §5.10: an admin action and its audit row commit together. A trigger makes the audit insert
 * of one action fail; the caller must get a 5xx problem and the change must not be in the database.
 */
describe('admin actions commit with their audit row', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const admin = { key: TEST_ADMIN_KEY };

  const failAuditOf = (action: string) =>
    t.db.query(
      `CREATE OR REPLACE TRIGGER audit_refused BEFORE INSERT ON audit_events FOR EACH ROW
       WHEN (NEW.action = '${action}' AND NEW.outcome = 'success') EXECUTE FUNCTION refuse_audit()`,
    );
  const successRows = async (action: string) =>
    (
      await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_events WHERE action = $1 AND outcome = 'success'`,
        [action],
      )
    )[0]?.n;
  const expect5xx = (res: { status: number; headers: Headers }) => {
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  };

  beforeAll(async () => {
    fake = await ParticleFake.start();
    fake.addClient({ id: 'acme-prod-1', secret: SECRET, kind: 'product', productId: 1001 });
    fake.addClient({ id: 'acme-prod-2', secret: NEXT_SECRET, kind: 'product', productId: 1001 });
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, TOKEN_TTL_SECONDS: '3600' } });
    api = client(t.url);
    await t.db.query(
      `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'audit refused by test'; END $$`,
    );
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Acme' } });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'acme-prod',
        tenant_id: 'acme',
        client_id: 'acme-prod-1',
        client_secret: SECRET,
        type: 'installed',
        product_id: '1001',
      },
    });
  });
  beforeEach(async () => {
    await t.db.query('DROP TRIGGER IF EXISTS audit_refused ON audit_events');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  describe('API keys', () => {
    const body = { name: 'ci', role: 'service', tenants: ['acme'] };

    it('creates no key when its audit row cannot be written', async () => {
      await failAuditOf('api_key.create');
      expect5xx(await api('POST', '/v1/api-keys', { ...admin, body }));
      expect(await t.db.query(`SELECT id FROM api_keys WHERE name = 'ci'`)).toEqual([]);
    });

    it('keeps the old key alone and makes no successor when the rotation cannot be audited', async () => {
      const created = await api<{ id: string; key: string }>('POST', '/v1/api-keys', { ...admin, body });
      expect(created.status).toBe(201);
      await failAuditOf('api_key.rotate');
      expect5xx(await api('POST', `/v1/api-keys/${created.body.id}/rotate`, { ...admin, body: {} }));
      const keys = await t.db.query<{ id: string; expires_at: Date | null }>(
        `SELECT id, expires_at FROM api_keys WHERE name = 'ci'`,
      );
      expect(keys).toEqual([{ id: created.body.id, expires_at: null }]);
      expect((await api('GET', '/v1/api-keys', { key: created.body.key })).status).not.toBe(401);
    });

    it('keeps a key whose deletion cannot be audited, and deletes it with its row otherwise', async () => {
      const created = await api<{ id: string }>('POST', '/v1/api-keys', { ...admin, body });
      await failAuditOf('api_key.delete');
      expect5xx(await api('DELETE', `/v1/api-keys/${created.body.id}`, admin));
      expect(await t.db.query('SELECT id FROM api_keys WHERE id = $1', [created.body.id])).toHaveLength(1);
      await t.db.query('DROP TRIGGER audit_refused ON audit_events');
      expect((await api('DELETE', `/v1/api-keys/${created.body.id}`, admin)).status).toBe(204);
      expect(await t.db.query('SELECT id FROM api_keys WHERE id = $1', [created.body.id])).toEqual([]);
      expect(await successRows('api_key.delete')).toBe('1');
    });

    it('writes exactly one success row per action when the audit works', async () => {
      const before = Number(await successRows('api_key.create'));
      const created = await api<{ id: string }>('POST', '/v1/api-keys', { ...admin, body });
      expect(created.status).toBe(201);
      expect(Number(await successRows('api_key.create'))).toBe(before + 1);
      const rows = await t.db.query<{ target: string; details: Record<string, unknown> }>(
        `SELECT target, details FROM audit_events WHERE action = 'api_key.create' ORDER BY id DESC LIMIT 1`,
      );
      expect(rows[0]).toEqual({ target: created.body.id, details: { role: 'service', tenants: ['acme'] } });
    });
  });
  describe('tenants', () => {
    it('creates no tenant when its audit row cannot be written, and the CLI exits 1 alike', async () => {
      await failAuditOf('tenant.create');
      expect5xx(await api('POST', '/v1/tenants', { ...admin, body: { id: 'beta', name: 'Beta' } }));
      const env = {
        DATABASE_URL: t.db.url,
        BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
        PARTICLE_API_URL: fake.url,
      };
      expect((await runCli(['tenants', 'create', 'gamma'], env)).code).toBe(1);
      expect(await t.db.query(`SELECT id FROM tenants WHERE id IN ('beta', 'gamma')`)).toEqual([]);
      await t.db.query('DROP TRIGGER audit_refused ON audit_events');
      expect((await runCli(['tenants', 'create', 'gamma'], env)).code).toBe(0);
      expect(
        (await api('POST', '/v1/tenants', { ...admin, body: { id: 'beta', name: 'Beta' } })).status,
      ).toBe(201);
    });

    it('keeps the tenant row when its deletion cannot be audited; a retry deletes it', async () => {
      await api('POST', '/v1/tenants', { ...admin, body: { id: 'delta', name: 'Delta' } });
      await failAuditOf('tenant.delete');
      expect5xx(await api('DELETE', '/v1/tenants/delta', admin));
      expect(await t.db.query(`SELECT id FROM tenants WHERE id = 'delta'`)).toHaveLength(1);
      await t.db.query('DROP TRIGGER audit_refused ON audit_events');
      expect((await api('DELETE', '/v1/tenants/delta', admin)).status).toBe(204);
      expect(await t.db.query(`SELECT id FROM tenants WHERE id = 'delta'`)).toEqual([]);
    });
  });

  describe('OAuth clients', () => {
    it('stores no client and no secret when the creation cannot be audited', async () => {
      await failAuditOf('oauth_client.create');
      const res = await api('POST', '/v1/oauth-clients', {
        ...admin,
        body: {
          id: 'other',
          tenant_id: 'acme',
          client_id: 'x-1',
          client_secret: 'x-secret',
          type: 'installed',
        },
      });
      expect5xx(res);
      expect(await t.db.query(`SELECT id FROM oauth_clients WHERE id = 'other'`)).toEqual([]);
      expect(await t.db.query(`SELECT id FROM oauth_client_secrets WHERE oauth_client_id = 'other'`)).toEqual(
        [],
      );
    });

    it('keeps the old secret active when a rotation (checked at Particle) cannot be audited', async () => {
      await failAuditOf('oauth_client.rotate');
      const res = await api('POST', '/v1/oauth-clients/acme-prod/rotations', {
        ...admin,
        body: { client_id: 'acme-prod-2', client_secret: NEXT_SECRET },
      });
      expect5xx(res);
      const secrets = await t.db.query<{ version: number; state: string; client_id: string }>(
        `SELECT version, state, client_id FROM oauth_client_secrets WHERE oauth_client_id = 'acme-prod'`,
      );
      expect(secrets).toEqual([{ version: 1, state: 'active', client_id: 'acme-prod-1' }]);
      const [client] = await t.db.query(`SELECT client_id FROM oauth_clients WHERE id = 'acme-prod'`);
      expect(client).toEqual({ client_id: 'acme-prod-1' });
    });
  });

  describe('credentials', () => {
    const credentialsOf = () =>
      t.db.query<{ id: string }>(`SELECT id FROM credentials WHERE tenant_id = 'acme'`);

    it('stores no credential minted at onboarding when its audit row cannot be written', async () => {
      const revocations = () =>
        fake.requests.filter((r) => r.method === 'DELETE' && r.path === '/v1/access_tokens/current').length;
      const before = revocations();
      await failAuditOf('credential.create');
      const res = await api('POST', '/v1/tenants/acme/credentials', {
        ...admin,
        body: { kind: 'client_credentials', oauth_client_id: 'acme-prod' },
      });
      expect5xx(res);
      expect(await credentialsOf()).toEqual([]);
      // The token minted for it is revoked at Particle, not left alive unstored.
      expect(revocations()).toBe(before + 1);
    });

    it('keeps a credential whose deletion cannot be audited; without the trigger it goes with its row', async () => {
      const created = await api<{ id: string }>('POST', '/v1/tenants/acme/credentials', {
        ...admin,
        body: { kind: 'client_credentials', oauth_client_id: 'acme-prod' },
      });
      expect(created.status).toBe(201);
      expect(await successRows('credential.create')).toBe('1');
      await failAuditOf('credential.delete');
      expect5xx(await api('DELETE', `/v1/tenants/acme/credentials/${created.body.id}`, admin));
      expect(await credentialsOf()).toEqual([{ id: created.body.id }]);
      await t.db.query('DROP TRIGGER audit_refused ON audit_events');
      expect((await api('DELETE', `/v1/tenants/acme/credentials/${created.body.id}`, admin)).status).toBe(
        204,
      );
      expect(await credentialsOf()).toEqual([]);
      expect(await successRows('credential.delete')).toBe('1');
    });
  });

  it('leaves the breaker open when its reset cannot be audited', async () => {
    expect((await api('POST', '/v1/admin/egress/breaker/reset', admin)).status).toBe(200);
    await t.db.query(`UPDATE particle_egress SET opened_at = now(), retry_at = now() + interval '1 hour'`);
    await failAuditOf('egress.breaker_reset');
    expect5xx(await api('POST', '/v1/admin/egress/breaker/reset', admin));
    const open = await api<{ breaker: { state: string } }>('GET', '/v1/admin/egress', admin);
    expect(open.body.breaker.state).toBe('open');
    await t.db.query('DROP TRIGGER audit_refused ON audit_events');
    const reset = await api<{ breaker: { state: string } }>('POST', '/v1/admin/egress/breaker/reset', admin);
    expect(reset.body.breaker.state).toBe('closed');
    expect(await successRows('egress.breaker_reset')).toBe('2');
  });
});
