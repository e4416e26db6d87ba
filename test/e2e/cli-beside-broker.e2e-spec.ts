import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { BrokerProcess, freePort, spawnBroker, waitForReady } from '../support/process.js';

describe('ops CLI beside a broker on the embedded default', () => {
  let dataDir: string;
  let broker: BrokerProcess;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'broker-cli-beside-'));
    broker = spawnBroker({ BROKER_DATA_DIR: dataDir }, await freePort());
    await waitForReady(broker, 60_000);
  });
  afterAll(async () => {
    broker.child.kill('SIGTERM');
    await broker.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("uses the running broker's PostgreSQL and leaves it running", async () => {
    const pid = (await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0];
    const env = { BROKER_DATA_DIR: dataDir };
    const created = await runCli(['tenants', 'create', 'beside', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ id: 'beside' });
    const listed = await runCli(['tenants', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { items: { id: string }[] }).items.map((t) => t.id)).toEqual([
      'beside',
    ]);
    // Same server, still up: the CLI neither started a second one nor stopped the broker's.
    expect((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]).toBe(pid);
    expect((await fetch(`${broker.url}/health/ready`)).status).toBe(200);
  });
});
