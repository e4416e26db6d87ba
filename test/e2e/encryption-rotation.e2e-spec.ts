import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReencryptionService } from '../../src/crypto/reencryption.service.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { credentialLocation } from '../../src/credentials/credential-seal.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const key = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
const K1 = key('k1');
const K2 = key('k2');
const K3 = key('k3');
/** Imported credentials inserted directly, each with an access and a refresh token: 2 sealed values a row. */
const BULK_ROWS = 5_000;
const CALLERS = 8;
const MFA_USER = { username: 'mfa@acme.com', password: 'mfa-user-password-zzz', mfaSecretOtp: '424242' };
const admin = { key: TEST_ADMIN_KEY };

interface Status {
  active_kid: string;
  keys: { kid: string; rows: number }[];
  reencryption: { state: string; done: number; total: number };
}

/** `BULK_ROWS` `token` credentials of tenant `bulk`, sealed with the app's active key and bound to their ids. */
async function insertBulkCredentials(t: TestApp): Promise<string[]> {
  const box = t.app.get(SecretBox);
  const ids = Array.from({ length: BULK_ROWS }, () => randomUUID());
  for (let from = 0; from < ids.length; from += 1000) {
    const chunk = ids.slice(from, from + 1000);
    await t.db.query(
      `INSERT INTO credentials (id, tenant_id, kind, status, version, access_token_sealed, refresh_token_sealed)
       SELECT id, 'bulk', 'token', 'active', 1, a, r FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, a, r)`,
      [
        chunk,
        chunk.map((id) => box.seal(`access-${id}`, credentialLocation(id, 'access_token_sealed'))),
        chunk.map((id) => box.seal(`refresh-${id}`, credentialLocation(id, 'refresh_token_sealed'))),
      ],
    );
  }
  return ids;
}

/** Callers asking both replicas for tokens (each bulk credential is a cache miss: a read and an open). */
function startLoad(apis: Call[], bulkIds: string[]) {
  let stopped = false;
  const statuses: number[] = [];
  const failures: string[] = [];
  const lanes = Array.from({ length: CALLERS }, async (_, lane) => {
    for (let i = lane; !stopped; i += CALLERS) {
      const api = apis[i % apis.length] as Call;
      const res =
        i % 5 === 0
          ? await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: {} })
          : await api('POST', '/v1/tenants/bulk/tokens', {
              ...admin,
              body: { credential_id: bulkIds[(i * 7919) % bulkIds.length] },
            });
      statuses.push(res.status);
      if (res.status !== 200) failures.push(`${res.status} ${res.text}`);
    }
  });
  return {
    statuses,
    failures,
    stop: async () => {
      stopped = true;
      await Promise.all(lanes);
    },
  };
}

describe('encryption key rotation across replicas', () => {
  let fake: ParticleFake;
  let a: TestApp;
  const apps: TestApp[] = [];
  let bulkIds: string[];
  let challengeId: string;

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 1000 });
    fake.addClient({ id: 'particle', secret: 'particle', kind: 'user' });
    fake.addUser(MFA_USER);
    const env = { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '100' };
    a = await startTestApp({ env: { ...env, BROKER_ENCRYPTION_KEYS: K1 } });
    apps.push(a);
    const api = client(a.url);
    await tenantWithProductClient(api, fake, 'acme');
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'bulk', name: 'Bulk' } });
    const mfa = await api<{ challenge_id: string }>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'password', username: MFA_USER.username, password: MFA_USER.password },
    });
    expect(mfa.status).toBe(202);
    challengeId = mfa.body.challenge_id;
    bulkIds = await insertBulkCredentials(a);
  }, 60_000);

  afterAll(async () => {
    for (const t of apps.reverse()) await t.close().catch(() => undefined);
    await a.db.drop();
    await fake.close();
  });

  it('two replicas with a new key re-encrypt every secret between them while serving tokens without a failure, then replicas start with the new key alone and are refused without it', async () => {
    const env = { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '100' };
    // Background passes off: the test starts them itself, to run them while the callers are busy.
    const rotated = { ...env, BROKER_ENCRYPTION_KEYS: `${K2},${K1}`, BROKER_REENCRYPT: 'off' };
    const b = await startTestApp({ db: a.db, env: rotated });
    apps.push(b);
    const c = await startTestApp({ db: a.db, env: rotated });
    apps.push(c);
    const apiB = client(b.url);
    const apiC = client(c.url);

    const before = (await apiB<Status>('GET', '/v1/admin/encryption', admin)).body;
    const underK1 = before.keys.find((k) => k.kid === 'k1')?.rows ?? 0;
    expect(before.active_kid).toBe('k2');
    expect(before.keys[0]).toEqual({ kid: 'k2', rows: 0 });
    expect(underK1).toBeGreaterThanOrEqual(BULK_ROWS * 2 + 2); // + the client secret, a token, the MFA token
    expect(before.reencryption).toEqual({ state: 'idle', done: 0, total: underK1 });

    const load = startLoad([apiB, apiC], bulkIds);
    const started = performance.now();
    const passes = Promise.all([
      b.app.get(ReencryptionService).runOnce(),
      c.app.get(ReencryptionService).runOnce(),
    ]);
    const during = (await apiB<Status>('GET', '/v1/admin/encryption', admin)).body;
    const [onB, onC] = await passes;
    const passMs = performance.now() - started;
    const servedDuringPass = load.statuses.length;
    await load.stop();
    console.info(
      `re-encrypted ${underK1} values in ${Math.round(passMs)} ms (B ${onB.rewritten}, C ${onC.rewritten}); ${servedDuringPass} tokens served meanwhile`,
    );

    expect(during.reencryption.state).toBe('running');
    expect(load.failures).toEqual([]);
    expect(servedDuringPass).toBeGreaterThan(0);
    // SKIP LOCKED split the work: each value rewritten once, by one replica or the other.
    expect(onB.rewritten + onC.rewritten).toBe(underK1);
    expect(onB.rewritten).toBeGreaterThan(0);
    expect(onC.rewritten).toBeGreaterThan(0);
    expect(onB.failed + onC.failed).toBe(0);

    const after = (await apiC<Status>('GET', '/v1/admin/encryption', admin)).body;
    expect(after.keys).toEqual([
      { kid: 'k2', rows: underK1 },
      { kid: 'k1', rows: 0 },
    ]);
    expect(after.reencryption).toEqual({ state: 'done', done: underK1, total: underK1 });
    const versions = await a.db.query<{ version: number; n: number }>(
      `SELECT version, count(*)::int AS n FROM credentials WHERE tenant_id = 'bulk' GROUP BY version`,
    );
    expect(versions).toEqual([{ version: 1, n: BULK_ROWS }]);
    const audits = await a.db.query<{ actor: string; details: { rewritten: number; active_kid: string } }>(
      `SELECT actor, details FROM audit_events WHERE action = 'encryption.reencrypt'`,
    );
    expect(audits.map((e) => e.actor)).toEqual(['system', 'system']);
    expect(audits.reduce((sum, e) => sum + e.details.rewritten, 0)).toBe(underK1);

    // The MFA token was re-sealed at its own location: the login completes.
    const mfa = await apiC('POST', '/v1/tenants/acme/credentials/mfa', {
      ...admin,
      body: { challenge_id: challengeId, otp: MFA_USER.mfaSecretOtp },
    });
    expect(mfa.status).toBe(201);

    const d = await startTestApp({ db: a.db, env: { ...env, BROKER_ENCRYPTION_KEYS: K2 } });
    apps.push(d);
    const apiD = client(d.url);
    const customer = await apiD('POST', '/v1/tenants/acme/tokens', {
      ...admin,
      body: { customer: 'someone@example.com' },
    });
    expect(customer.status).toBe(200); // minted with the OAuth client's secret, now under k2
    const one = bulkIds[42] as string;
    const bulk = await apiD<{ access_token: string }>('POST', '/v1/tenants/bulk/tokens', {
      ...admin,
      body: { credential_id: one },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.access_token).toBe(`access-${one}`);
    const rows = await a.db.query<{ id: string; a: string; r: string }>(
      `SELECT id::text, access_token_sealed AS a, refresh_token_sealed AS r FROM credentials WHERE tenant_id = 'bulk'`,
    );
    const boxD = d.app.get(SecretBox);
    const wrong = rows.filter(
      (row) =>
        boxD.open(row.a, credentialLocation(row.id, 'access_token_sealed')) !== `access-${row.id}` ||
        boxD.open(row.r, credentialLocation(row.id, 'refresh_token_sealed')) !== `refresh-${row.id}`,
    );
    expect(rows).toHaveLength(BULK_ROWS);
    expect(wrong).toEqual([]);

    await expect(startTestApp({ db: a.db, env: { ...env, BROKER_ENCRYPTION_KEYS: K3 } })).rejects.toThrow(
      /^BROKER_ENCRYPTION_KEYS lacks key\(s\) still needed: k2 \(\d+ values\)\. Put it back \(after the active key\) until GET \/v1\/admin\/encryption shows 0 rows for it\.$/,
    );
  }, 60_000);
});

describe('background re-encryption', () => {
  it('starts on its own on a replica whose keyring has an older key, and reaches done', async () => {
    const fake = await ParticleFake.start();
    const old = await startTestApp({ env: { PARTICLE_API_URL: fake.url, BROKER_ENCRYPTION_KEYS: K1 } });
    let rotated: TestApp | undefined;
    try {
      await tenantWithProductClient(client(old.url), fake, 'acme');
      rotated = await startTestApp({
        db: old.db,
        env: { PARTICLE_API_URL: fake.url, BROKER_ENCRYPTION_KEYS: `${K2},${K1}` },
      });
      const api = client(rotated.url);
      await vi.waitFor(
        async () => {
          const status = (await api<Status>('GET', '/v1/admin/encryption', admin)).body;
          expect(status.reencryption.state).toBe('done');
          expect(status.keys).toEqual([
            { kid: 'k2', rows: status.reencryption.total },
            { kid: 'k1', rows: 0 },
          ]);
        },
        { timeout: 10_000, interval: 100 },
      );
      const audits = await old.db.query(`SELECT 1 FROM audit_events WHERE action = 'encryption.reencrypt'`);
      expect(audits).toHaveLength(1);
      const forbidden = await fetch(`${rotated.url}/v1/admin/encryption`);
      expect(forbidden.status).toBe(401);
    } finally {
      await rotated?.close();
      await old.close();
      await fake.close();
    }
  });
});
