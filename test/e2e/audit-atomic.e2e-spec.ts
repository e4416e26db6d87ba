import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ParticleFake } from '../support/particle-fake.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

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
});
