import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPostgresUserCanReach, EmbeddedStartError } from './postgres-user-access.js';

const asRoot = process.getuid?.() === 0;

describe(assertPostgresUserCanReach.name, () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'pg-access-'));
    await mkdir(join(base, 'closed', 'clone'), { recursive: true });
    await chmod(join(base, 'closed'), 0o700);
    await mkdir(join(base, 'open', 'clone'), { recursive: true });
    await chmod(join(base, 'open'), 0o755);
    await chmod(base, 0o755);
  });
  afterAll(async () => rm(base, { recursive: true, force: true }));

  it.runIf(asRoot)('names the directory the postgres user cannot enter, and what to do', async () => {
    const data = join(base, 'closed', 'clone', '.data');
    const refused = assertPostgresUserCanReach([{ label: 'BROKER_DATA_DIR', path: data }]);
    await expect(refused).rejects.toBeInstanceOf(EmbeddedStartError);
    await expect(refused).rejects.toThrow(
      `cannot enter ${join(base, 'closed')} (mode 700), and BROKER_DATA_DIR (${data}) is below it`,
    );
  });

  it('lets a path through whose every parent can be entered (a missing data directory included)', async () => {
    const data = join(base, 'open', 'clone', '.data');
    await expect(
      assertPostgresUserCanReach([{ label: 'BROKER_DATA_DIR', path: data }]),
    ).resolves.toBeUndefined();
  });
});
