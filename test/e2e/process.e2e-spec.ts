import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { freePort, spawnBroker, waitForReady } from '../support/process.js';

/** The development key's log line, as the JSON log carries it (its quotes escaped). */
function devKeyMessage(output: string): string {
  const line = output.split('\n').find((l) => l.includes('"context":"DevAdminKey"'));
  return line ? (JSON.parse(line) as { msg: string }).msg : '';
}

const keys = `k1:${randomBytes(32).toString('base64')}`;

describe('the service process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('stops at start with one message naming every bad variable', async () => {
    const p = spawnBroker(
      { PORT: 'eighty', BROKER_ENCRYPTION_KEYS: 'k1:not-a-key', DATABASE_URL: db.url },
      1,
    );
    expect(await p.exited).toBe(78);
    expect(p.output()).toMatch(
      /Invalid configuration:[\s\S]*PORT: must be a whole number[\s\S]*BROKER_ENCRYPTION_KEYS/,
    );
  });

  it('refuses production without encryption keys', async () => {
    const p = spawnBroker({ NODE_ENV: 'production', DATABASE_URL: db.url }, await freePort());
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('BROKER_ENCRYPTION_KEYS: required when NODE_ENV=production');
  });

  it('serves on DATABASE_URL and exits cleanly within 10 s of SIGTERM', async () => {
    const p = spawnBroker({ DATABASE_URL: db.url, BROKER_ENCRYPTION_KEYS: keys }, await freePort());
    await waitForReady(p);
    const started = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the embedded default', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'broker-embedded-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('starts a PostgreSQL under BROKER_DATA_DIR when DATABASE_URL is unset, and reuses it on the next start', async () => {
    const first = spawnBroker({ BROKER_DATA_DIR: dataDir }, await freePort());
    await waitForReady(first, 60_000);
    expect(first.output()).toContain('newly generated development key');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const key = await readFile(join(dataDir, 'dev-encryption-key'), 'utf8');
    await expect(readFile(join(dataDir, 'pg', 'PG_VERSION'), 'utf8')).resolves.toMatch(/^\d+/);
    const adminKey = (await readFile(join(dataDir, 'dev-admin-key'), 'utf8')).trim();

    const second = spawnBroker({ BROKER_DATA_DIR: dataDir }, await freePort());
    await waitForReady(second, 60_000);
    expect(second.output()).toContain('stored development key');
    expect(second.output()).toContain(
      `The development admin API key is in ${join(dataDir, 'dev-admin-key')}`,
    );
    expect(second.output()).not.toContain(adminKey);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await readFile(join(dataDir, 'dev-encryption-key'), 'utf8')).toBe(key);
    expect((await readFile(join(dataDir, 'dev-admin-key'), 'utf8')).trim()).toBe(adminKey);
  });

  it('hands a first start one admin key in a 0600 file, never in its log, and the curl it logs works', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'broker-dev-key-'));
    const p = spawnBroker({ BROKER_DATA_DIR: fresh }, await freePort());
    try {
      await waitForReady(p, 60_000);
      const file = join(fresh, 'dev-admin-key');
      const key = (await readFile(file, 'utf8')).trim();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(p.output()).toContain(`Created an admin API key for development in ${file}`);
      expect(p.output()).not.toContain(key);
      const logged = /curl -H "Authorization: Bearer \$\(cat (\S+)\)" (\S+)/.exec(devKeyMessage(p.output()));
      expect(logged?.[1]).toBe(file);
      const answer = await fetch(logged?.[2] ?? '', { headers: { authorization: `Bearer ${key}` } });
      expect(answer.status).toBe(200);
      const audit = (await (
        await fetch(`${p.url}/v1/audit-events?action=api_key.create`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json()) as { items: { actor: string; outcome: string }[] };
      expect(audit.items).toMatchObject([{ actor: 'system', outcome: 'success' }]);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('creates no development key when a bootstrap admin key is configured', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'broker-dev-key-'));
    const p = spawnBroker(
      { BROKER_DATA_DIR: fresh, BROKER_BOOTSTRAP_ADMIN_KEY: randomBytes(24).toString('hex') },
      await freePort(),
    );
    try {
      await waitForReady(p, 60_000);
      await expect(stat(join(fresh, 'dev-admin-key'))).rejects.toThrow(/ENOENT/);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
