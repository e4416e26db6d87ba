import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIAL_CHANNEL } from '../../src/credentials/credential-changes.listener.js';
import { CredentialEntity } from '../../src/credentials/credential.entity.js';
import { CredentialsRepository } from '../../src/credentials/credentials.repository.js';
import { client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TestApp } from '../support/test-app.js';

/** The scheduler's writes: one statement each, written only under the claimed lease and version. */
describe(`${CredentialsRepository.name} under a lease`, () => {
  const owner = 'replica-a';
  let fake: ParticleFake;
  let t: TestApp;
  let listener: pg.Client;
  let credentialId: string;
  const notified: string[] = [];

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url } });
    ({ credentialId } = await tenantWithProductClient(client(t.url), fake, 'leases'));
    listener = new pg.Client({ connectionString: t.db.url });
    await listener.connect();
    listener.on('notification', (n) => notified.push(n.payload ?? ''));
    await listener.query(`LISTEN ${CREDENTIAL_CHANNEL}`);
  });
  afterAll(async () => {
    await listener.end();
    await t.close();
    await fake.close();
  });
  beforeEach(() => {
    notified.length = 0;
  });

  async function claimed(): Promise<CredentialEntity> {
    await t.db.query(
      `UPDATE credentials SET lease_owner = $1, lease_until = now() + interval '1 minute' WHERE id = $2`,
      [owner, credentialId],
    );
    const c = await t.app.get(CredentialsRepository).findById(credentialId);
    if (!c) throw new Error('credential vanished');
    return c;
  }

  const failure = { status: 'failing' as const, lastError: 'unavailable: test', nextAttemptAt: new Date() };
  const leases = () => t.app.get(CredentialsRepository);
  /** Notifications arrive after the commit, on another connection: give them a round trip to land. */
  const settle = () => listener.query('SELECT 1');

  it('writes under its lease and version, and announces the tenant once', async () => {
    const c = await claimed();

    const written = await leases().saveFailureIfLeased(c, { owner, version: c.version }, failure);
    await settle();

    expect(written).toBe(true);
    expect(notified).toEqual(['leases']);
    const [row] = await t.db.query<{ status: string; lease_owner: string | null }>(
      'SELECT status, lease_owner FROM credentials WHERE id = $1',
      [credentialId],
    );
    expect(row).toEqual({ status: 'failing', lease_owner: null });
  });

  it('writes nothing and announces nothing when the version moved on since the claim', async () => {
    const c = await claimed();
    await t.db.query('UPDATE credentials SET version = version + 1 WHERE id = $1', [credentialId]);

    const written = await leases().saveFailureIfLeased(c, { owner, version: c.version }, failure);
    await settle();

    expect(written).toBe(false);
    expect(notified).toEqual([]);
    const [row] = await t.db.query<{ lease_owner: string | null }>(
      'SELECT lease_owner FROM credentials WHERE id = $1',
      [credentialId],
    );
    expect(row?.lease_owner).toBe(owner);
  });

  it('gives a credential back without announcing it (nothing a cache holds changed)', async () => {
    const c = await claimed();

    const released = await leases().releaseLease(c, { owner, version: c.version }, new Date());
    await settle();

    expect(released).toBe(true);
    expect(notified).toEqual([]);
  });

  it('writes a renewal and its audit row in one statement, and neither when the version moved on', async () => {
    const auditRows = async () =>
      (
        await t.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'credential.renew' AND target = $1`,
          [credentialId],
        )
      )[0]?.n;
    const before = Number(await auditRows());
    const tokens = {
      accessTokenSealed: 'not-read-here',
      accessExpiresAt: new Date(Date.now() + 3_600_000),
      issuerClientId: 'leases-prod',
      renewedAt: new Date(),
      nextAttemptAt: new Date(Date.now() + 1_800_000),
    };
    const audit = {
      actor: 'system',
      action: 'credential.renew',
      outcome: 'success' as const,
      at: new Date(),
      details: { kind: 'client_credentials', result: 'renewed' },
    };

    const c = await claimed();
    expect(await leases().saveRenewedIfLeased(c, { owner, version: c.version }, tokens, audit)).toBe(true);
    expect(Number(await auditRows())).toBe(before + 1);

    const stale = await claimed();
    await t.db.query('UPDATE credentials SET version = version + 1 WHERE id = $1', [credentialId]);
    expect(await leases().saveRenewedIfLeased(stale, { owner, version: stale.version }, tokens, audit)).toBe(
      false,
    );
    expect(Number(await auditRows())).toBe(before + 1);
    const [row] = await t.db.query<{ tenant_id: string; details: unknown }>(
      `SELECT tenant_id, details FROM audit_events WHERE action = 'credential.renew' AND target = $1
        ORDER BY id DESC LIMIT 1`,
      [credentialId],
    );
    expect(row).toEqual({ tenant_id: 'leases', details: audit.details });
  });
});
