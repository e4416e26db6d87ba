import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { freePort, spawnBroker, waitForReady } from '../support/process.js';

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

    const second = spawnBroker({ BROKER_DATA_DIR: dataDir }, await freePort());
    await waitForReady(second, 60_000);
    expect(second.output()).toContain('stored development key');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await readFile(join(dataDir, 'dev-encryption-key'), 'utf8')).toBe(key);
  });
});
