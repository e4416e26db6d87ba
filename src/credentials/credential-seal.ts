import type { SecretLocation } from '../crypto/secret-box.js';

export type CredentialSecretColumn = 'access_token_sealed' | 'refresh_token_sealed';

/** Every token of a credential is bound to its own row and column. */
export const credentialLocation = (rowId: string, column: CredentialSecretColumn): SecretLocation => ({
  table: 'credentials',
  column,
  rowId,
});
