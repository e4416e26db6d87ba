import type { SecretLocation } from './secret-box.js';

/**
 * A column holding values sealed by `SecretBox`. Every one is bound to its own row: the location's
 * `rowId` is the row's uuid primary key `id`, which is what the writers pass when sealing.
 */
export interface SealedColumn {
  readonly table: string;
  readonly column: string;
}

/**
 * Every sealed column in the schema, the one list that key counting, the start-up key check and
 * re-encryption go through. A new sealed column is one line here (a test compares these with the
 * location helpers the writers use).
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'oauth_client_secrets', column: 'secret_sealed' },
  { table: 'credentials', column: 'access_token_sealed' },
  { table: 'credentials', column: 'refresh_token_sealed' },
  { table: 'mfa_challenges', column: 'mfa_token_sealed' },
  { table: 'webhook_secrets', column: 'secret_sealed' },
];

export function sealedLocation(c: SealedColumn, rowId: string): SecretLocation {
  return { table: c.table, column: c.column, rowId };
}

export const columnName = (c: SealedColumn): string => `${c.table}.${c.column}`;
