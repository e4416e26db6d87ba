import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncryptionKeySpec } from '../config/config.js';

const DEV_KEY_FILE = 'dev-encryption-key';

/** The data keys this process can use: the first encrypts, every one decrypts. */
export class Keyring {
  private readonly byKid: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly EncryptionKeySpec[]) {
    const first = keys[0];
    if (!first) throw new Error('A keyring needs at least one key');
    this.activeKid = first.kid;
    this.byKid = new Map(keys.map((k) => [k.kid, k.key]));
  }

  readonly activeKid: string;

  get kids(): string[] {
    return [...this.byKid.keys()];
  }

  activeKey(): Buffer {
    return this.byKid.get(this.activeKid) as Buffer;
  }

  key(kid: string): Buffer | undefined {
    return this.byKid.get(kid);
  }
}

/**
 * Reads (or creates, on first start) the development key kept in the data directory, so a developer's
 * embedded database stays readable across restarts without configuring anything.
 */
export async function loadOrCreateDevKey(
  dataDir: string,
): Promise<{ spec: EncryptionKeySpec; created: boolean }> {
  const file = join(dataDir, DEV_KEY_FILE);
  try {
    const text = (await readFile(file, 'utf8')).trim();
    const [kid, b64] = text.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!kid || key.length !== 32) throw new Error(`${file} is not a kid:base64-32-bytes key`);
    return { spec: { kid, key }, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const spec = { kid: 'dev', key: randomBytes(32) };
  await mkdir(dataDir, { recursive: true });
  let created = true;
  // wx: two processes starting together must not overwrite each other's key; the loser reads the winner's.
  await writeFile(file, `${spec.kid}:${spec.key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      created = false;
    },
  );
  return { spec: (await loadOrCreateDevKey(dataDir)).spec, created };
}
