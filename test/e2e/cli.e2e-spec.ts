import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { PRODUCT_SECRET, tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TEST_ENCRYPTION_KEY, TestApp } from '../support/test-app.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(stdin);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const NEW_SECRET = 'cli-rotated-secret-0123456789';
const NEXT_KEY = `test2:${randomBytes(32).toString('base64')}`;

describe('ops CLI', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  let env: Record<string, string>;
  const cli = (args: string[], stdin?: string) => runCli(args, env, stdin);
  const outputs: string[] = [];
  const logged = async (args: string[], stdin?: string): Promise<CliRun> => {
    const run = await cli(args, stdin);
    outputs.push(run.stdout, run.stderr);
    return run;
  };

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url } });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
    fake.addClient({ id: 'acme-prod-2', secret: NEW_SECRET, kind: 'product', productId: 1000 });
    env = { DATABASE_URL: t.db.url, BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY, PARTICLE_API_URL: fake.url };
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('prints help without touching the database, and exits 2 on usage errors', async () => {
    const help = await runCli(['--help'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('oauth-clients');
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['tenants', 'create'])).code).toBe(2);
  });

  it('creates and lists tenants as tables and JSON, audited as the CLI', async () => {
    const created = await logged(['tenants', 'create', 'globex', '--name', 'Globex']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ID\s+NAME\s+CREATED\nglobex\s+Globex/);
    const listed = await logged(['tenants', 'list', '--json']);
    const ids = (JSON.parse(listed.stdout) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['acme', 'globex']));
    const audit = await logged(['audit', 'tail', '--action', 'tenant.create', '--json']);
    const events = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ action: 'tenant.create', tenant_id: 'globex', outcome: 'success' });
    expect(String(events.at(-1)?.actor)).toMatch(/^cli:/);
  });

  it('refuses bad input with exit 2 and the field, and changes nothing', async () => {
    const bad = await logged(['tenants', 'create', 'Not An Id!']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('validation_failed');
    expect(bad.stderr).toContain('id');
    const duplicate = await logged(['tenants', 'create', 'globex']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('conflict');
    const rows = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM tenants`);
    expect(Number(rows[0]?.n)).toBe(2);
  });

  it('registers a client and rotates its secret from standard input, never printing a secret', async () => {
    const created = await logged(
      [
        'oauth-clients',
        'create',
        'globex-prod',
        '--tenant',
        'globex',
        '--client-id',
        'globex-1',
        '--type',
        'installed',
      ],
      'globex-secret-abc\n',
    );
    expect(created.code).toBe(0);
    const wrong = await logged(
      ['oauth-clients', 'rotate', 'acme-prod', '--client-id', 'acme-prod-2', '--json'],
      'not-the-secret',
    );
    expect(wrong.code).toBe(2);
    const rotated = await logged(
      [
        'oauth-clients',
        'rotate',
        'acme-prod',
        '--client-id',
        'acme-prod-2',
        '--grace-seconds',
        '3600',
        '--json',
      ],
      `${NEW_SECRET}\n`,
    );
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ client_id: 'acme-prod-2' });
    const rolledBack = await logged(['oauth-clients', 'rollback', 'acme-prod', '--json']);
    expect(rolledBack.code).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ client_id: 'acme-prod' });
    for (const text of outputs) {
      for (const secret of [NEW_SECRET, PRODUCT_SECRET, 'globex-secret-abc', 'not-the-secret']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('creates, rotates and deletes API keys that the API then honours', async () => {
    const created = await cli([
      'api-keys',
      'create',
      '--name',
      'ops',
      '--role',
      'admin',
      '--tenants',
      '*',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const first = JSON.parse(created.stdout) as { id: string; key: string };
    expect((await api('GET', '/v1/tenants', { key: first.key })).status).toBe(200);
    const rotated = await cli(['api-keys', 'rotate', first.id, '--json']);
    const second = JSON.parse(rotated.stdout) as { id: string; key: string };
    expect((await api('GET', '/v1/tenants', { key: second.key })).status).toBe(200);
    expect((await cli(['api-keys', 'delete', second.id])).code).toBe(0);
    expect((await cli(['api-keys', 'delete', 'not-a-uuid'])).code).toBe(1);
    const rows = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM api_keys WHERE id = $1`, [
      second.id,
    ]);
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it("lists a tenant's credentials without secrets", async () => {
    const listed = await logged(['credentials', 'list', 'acme', '--json']);
    const items = (JSON.parse(listed.stdout) as { items: { kind: string; status: string }[] }).items;
    expect(items).toEqual([expect.objectContaining({ kind: 'client_credentials', status: 'active' })]);
    expect((await cli(['credentials', 'list', 'nobody'])).code).toBe(1);
  });

  it('shows the shared egress and resets an open breaker, audited as the CLI', async () => {
    // Five failed token calls open the breaker (PARTICLE_MAX_CONSECUTIVE_FAILURES is 5).
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/v1/tenants/acme/credentials', {
        key: TEST_ADMIN_KEY,
        body: { kind: 'client_credentials', oauth_client_id: 'acme-prod' },
      });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([503, 503, 503, 503, 503]);
    const open = await logged(['egress', 'status', '--json']);
    expect(open.code, open.stderr).toBe(0);
    expect(JSON.parse(open.stdout), open.stdout).toMatchObject({ breaker: { state: 'open' } });
    const reset = await logged(['egress', 'reset-breaker']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/BREAKER[\s\S]*closed/);
    const audit = await api<{ items: { actor: string }[] }>(
      'GET',
      '/v1/audit-events?action=egress.breaker_reset',
      {
        key: TEST_ADMIN_KEY,
      },
    );
    expect(audit.body.items[0]?.actor).toMatch(/^cli:/);
  });

  it('re-encrypts every stored secret under a new first key, with progress, then reports it', async () => {
    const rotatedEnv = { BROKER_ENCRYPTION_KEYS: `${NEXT_KEY},${TEST_ENCRYPTION_KEY}` };
    const run = await runCli(['encryption', 're-encrypt', '--json'], { ...env, ...rotatedEnv });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/re-encrypted \d+\/\d+/);
    expect((JSON.parse(run.stdout) as { failed: number }).failed).toBe(0);
    const status = await runCli(['encryption', 'status', '--json'], { ...env, ...rotatedEnv });
    const body = JSON.parse(status.stdout) as { keys: { kid: string; rows: number }[] };
    expect(body.keys.find((k) => k.kid === 'test1')?.rows).toBe(0);
    expect(body.keys.find((k) => k.kid === 'test2')?.rows).toBeGreaterThan(0);
  });

  it('runs one sweep, prints the counts and exits 0, or 1 when a renewal failed', async () => {
    await t.db.query(`UPDATE credentials SET next_attempt_at = now() - interval '1 minute'`);
    const rotatedEnv = { BROKER_ENCRYPTION_KEYS: `${NEXT_KEY},${TEST_ENCRYPTION_KEY}` };
    const ok = await runCli(['refresh', '--json'], { ...env, ...rotatedEnv });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ claimed: 1, renewed: 1, failed: 0, skipped: 0 });
    await t.db.query(`UPDATE credentials SET next_attempt_at = now() - interval '1 minute'`);
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    const failed = await runCli(['refresh'], { ...env, ...rotatedEnv });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout, failed.stderr).toMatch(/CLAIMED\s+RENEWED\s+FAILED\s+SKIPPED\n1\s+0\s+1\s+0/);
  });

  it('refuses to start when a key that stored secrets need is missing', async () => {
    const run = await cli(['tenants', 'list']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('test2');
  });
});
