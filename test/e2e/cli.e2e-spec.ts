import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ENCRYPTION_KEY, TestApp } from '../support/test-app.js';

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('CLI refresh', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url } });
    await tenantWithProductClient(client(t.url), fake, 'acme');
    env = { DATABASE_URL: t.db.url, BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY, PARTICLE_API_URL: fake.url };
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('runs one sweep, prints the counts and exits 0', async () => {
    await t.db.query(`UPDATE credentials SET next_attempt_at = now() - interval '1 minute'`);
    const { code, stdout } = await runCli(['refresh', '--json'], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ claimed: 1, renewed: 1, failed: 0, skipped: 0 });
  });

  it('exits 1 when a renewal failed', async () => {
    await t.db.query(`UPDATE credentials SET next_attempt_at = now() - interval '1 minute'`);
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    const { code, stdout } = await runCli(['refresh'], env);
    expect(code).toBe(1);
    expect(stdout).toContain('failed 1');
  });

  it('exits 2 with usage for an unknown command', async () => {
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
  });
});
