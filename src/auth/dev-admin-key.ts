import { Injectable, Logger } from '@nestjs/common';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { AuditService } from '../audit/audit.service.js';
import { generateApiKey } from './api-key-format.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';

export const DEV_ADMIN_KEY_FILE = 'dev-admin-key';
const DEV_KEY_NAME = 'development admin key';

/**
 * The first start on the embedded default hands a newcomer a way in, as Vault's dev mode does: one admin
 * key, written to a 0600 file in the data directory and never logged. Only main.ts calls it, and only
 * when no DATABASE_URL, no bootstrap key and no production environment are configured.
 */
@Injectable()
export class DevAdminKey {
  private readonly logger = new Logger('DevAdminKey');

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  async provision(dataDir: string, publicUrl: string): Promise<void> {
    const file = join(dataDir, DEV_ADMIN_KEY_FILE);
    const { key, hash, prefix } = generateApiKey();
    const id = await this.repository.createIfNoneExists({
      name: DEV_KEY_NAME,
      role: 'admin',
      tenants: ['*'],
      keyHash: hash,
      keyPrefix: prefix,
      expiresAt: null,
    });
    if (id !== undefined) {
      // Written beside, then renamed: the file is never seen half-written or with looser permissions.
      await writeFile(`${file}.new`, `${key}\n`, { mode: 0o600 });
      await rename(`${file}.new`, file);
      await this.audit.record({
        actor: 'system',
        action: 'api_key.create',
        outcome: 'success',
        target: id,
        details: { name: DEV_KEY_NAME, role: 'admin', tenants: ['*'], reason: 'first start' },
      });
      this.logger.log(`Created an admin API key for development in ${shown(file)}${usage(file, publicUrl)}`);
      return;
    }
    // Later starts point at the file again, but only while the key in it still works.
    const stored = await readFile(file, 'utf8').catch(() => undefined);
    if (stored !== undefined && (await this.apiKeys.authenticate(stored.trim()))) {
      this.logger.log(`The development admin API key is in ${shown(file)}${usage(file, publicUrl)}`);
    }
  }
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function usage(file: string, publicUrl: string): string {
  return `; try: curl -H "Authorization: Bearer $(cat ${shown(file)})" ${publicUrl}/v1/tenants`;
}
