import { INestApplicationContext, Logger } from '@nestjs/common';
import { missingKeysMessage } from './encryption-status.js';
import { Keyring } from './keyring.js';
import { isSchemaMissing, SealedValuesRepository } from './sealed-values.repository.js';

export class MissingEncryptionKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingEncryptionKeysError';
  }
}

/**
 * Refuses to start (closing what was opened) when stored secrets need a key that BROKER_ENCRYPTION_KEYS
 * lacks: better than a replica that serves errors for every such secret. Called after migrations and
 * before anything starts serving or working in the background.
 */
export async function assertKeyringCoversStoredSecrets(app: INestApplicationContext): Promise<void> {
  const keyring = app.get(Keyring);
  let message: string | undefined;
  try {
    message = missingKeysMessage(await app.get(SealedValuesRepository).countByKid(), keyring.kids);
  } catch (err) {
    if (!isSchemaMissing(err)) throw err;
    // Not migrated yet (BROKER_MIGRATE=off): no secrets are stored, and readiness reports the schema.
    new Logger('Crypto').warn('sealed columns not found (schema not migrated): encryption key check skipped');
    return;
  }
  if (message === undefined) return;
  await app.close();
  throw new MissingEncryptionKeysError(message);
}
