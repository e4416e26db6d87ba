import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialRenewalService } from '../../src/credentials/credential-renewal.service.js';
import { CredentialRenewalStep } from '../../src/credentials/credential-renewal.step.js';
import { CredentialEntity } from '../../src/credentials/credential.entity.js';
import { CredentialsRepository } from '../../src/credentials/credentials.repository.js';
import { client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe(CredentialRenewalStep.name, () => {
  let fake: ParticleFake;
  let t: TestApp;
  let credentialId: string;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url } });
    ({ credentialId } = await tenantWithProductClient(client(t.url), fake, 'lease-step'));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  async function claimed(leaseSeconds: number): Promise<CredentialEntity> {
    await t.db.query(
      `UPDATE credentials SET lease_owner = $1, lease_until = now() + make_interval(secs => $2) WHERE id = $3`,
      [t.app.get(CredentialRenewalService).owner, leaseSeconds, credentialId],
    );
    const c = await t.app.get(CredentialsRepository).findById(credentialId);
    if (!c) throw new Error('credential vanished');
    return c;
  }

  /** Both phases of a step, one after the other, as a sweep lane runs them. */
  const renewed = async (c: CredentialEntity): Promise<string> =>
    (await t.app.get(CredentialRenewalStep).begin(c))();

  it('does not call Particle for a claimed credential whose lease ran out while the replica stalled', async () => {
    const stale = await claimed(-30);
    const before = fake.tokenCalls();
    expect(await renewed(stale)).toBe('skipped');
    expect(fake.tokenCalls()).toBe(before);
    const [row] = await t.db.query<{ version: number }>('SELECT version FROM credentials WHERE id = $1', [
      credentialId,
    ]);
    expect(row?.version).toBe(stale.version);
  });

  it('renews the same credential while its lease holds', async () => {
    const live = await claimed(30);
    const before = fake.tokenCalls();
    expect(await renewed(live)).toBe('renewed');
    expect(fake.tokenCalls()).toBe(before + 1);
  });

  it('extends a lease too short for a call that could still succeed after it, then renews (§9.6)', async () => {
    // The test app's PARTICLE_TIMEOUT_MS is 2 s: a call needs 12 s of lease, and 8 s are left.
    const short = await claimed(8);
    const before = fake.tokenCalls();
    expect(await renewed(short)).toBe('renewed');
    expect(fake.tokenCalls()).toBe(before + 1);
    const [row] = await t.db.query<{ lease_owner: string | null }>(
      'SELECT lease_owner FROM credentials WHERE id = $1',
      [credentialId],
    );
    expect(row?.lease_owner).toBeNull();
  });

  it('does not call Particle when a short lease cannot be extended (someone wrote the row since)', async () => {
    const short = await claimed(8);
    await t.db.query('UPDATE credentials SET version = version + 1 WHERE id = $1', [credentialId]);
    const before = fake.tokenCalls();
    expect(await renewed(short)).toBe('skipped');
    expect(fake.tokenCalls()).toBe(before);
  });
});
