import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../common/free-port.js';
import { runningEmbeddedPostgres } from './running-embedded-postgres.js';

/** postmaster.pid as PostgreSQL writes it: PID, data directory, start time, port, socket dir, address. */
const lockFile = (pid: number, port: number) => `${pid}\n/data/pg\n1796192412\n${port}\n\n127.0.0.1\n`;

describe(runningEmbeddedPostgres.name, () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'broker-running-pg-'));
    await mkdir(join(dataDir, 'pg'));
    await writeFile(join(dataDir, 'pg-password'), 'secret\n');
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('finds nothing in a data directory whose server is not running', async () => {
    await expect(runningEmbeddedPostgres({ dataDir, database: 'broker' })).resolves.toBeUndefined();
  });

  it('ignores a lock file left by a process that has exited', async () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dataDir, 'pg', 'postmaster.pid'), lockFile(exited, await freePort()));
    await expect(runningEmbeddedPostgres({ dataDir, database: 'broker' })).resolves.toBeUndefined();
  });

  it('ignores a lock file whose PID is alive (reused) but whose port does not answer', async () => {
    await writeFile(join(dataDir, 'pg', 'postmaster.pid'), lockFile(process.pid, await freePort()));
    await expect(runningEmbeddedPostgres({ dataDir, database: 'broker' })).resolves.toBeUndefined();
  });
});
