import type { AtRiskRow } from './credential-counts.repository.js';
import type { CredentialKind } from './credential.entity.js';

/**
 * Why a credential is at risk, as a machine-readable reason, and the action that fixes it (what the
 * console offers beside it):
 * - `reauth_required`: Particle refused it, or it expired and cannot be renewed; a person must act:
 *   a new connect link (authorization_code), a new login (password), a new import (token), or a look at
 *   the OAuth client (client_credentials);
 * - `oauth_client_invalid`: Particle refused the OAuth client itself: rotate or re-register it;
 * - `renewal_failing`: transient errors (Particle down, timeouts); retried with backoff, and a forced
 *   renewal tries again now;
 * - `expires_soon`: a password or token credential, which Particle cannot renew, is `expiring` (under
 *   7 days or REFRESH_LEAD_SECONDS left, whichever is longer, as the sweep's check found): replace it.
 */
export type RiskReason = 'reauth_required' | 'oauth_client_invalid' | 'renewal_failing' | 'expires_soon';
export type RiskAction =
  | 'create_connect_link'
  | 'log_in_again'
  | 'import_new_token'
  | 'check_oauth_client'
  | 'rotate_oauth_client'
  | 'force_renewal';

export const RISK_REASONS: readonly RiskReason[] = [
  'reauth_required',
  'oauth_client_invalid',
  'renewal_failing',
  'expires_soon',
];
export const RISK_ACTIONS: readonly RiskAction[] = [
  'create_connect_link',
  'log_in_again',
  'import_new_token',
  'check_oauth_client',
  'rotate_oauth_client',
  'force_renewal',
];

const REPLACE: Record<CredentialKind, RiskAction> = {
  authorization_code: 'create_connect_link',
  password: 'log_in_again',
  token: 'import_new_token',
  client_credentials: 'check_oauth_client',
};

export function riskOf(row: AtRiskRow): { reason: RiskReason; action: RiskAction } {
  if (row.status === 'needs_reauth') return { reason: 'reauth_required', action: REPLACE[row.kind] };
  if (row.status === 'expiring') return { reason: 'expires_soon', action: REPLACE[row.kind] };
  // The renewer records a refused client both on the client and in the credential's last error.
  if (row.clientInvalid || row.lastError?.startsWith('invalid_client')) {
    return { reason: 'oauth_client_invalid', action: 'rotate_oauth_client' };
  }
  return { reason: 'renewal_failing', action: 'force_renewal' };
}
