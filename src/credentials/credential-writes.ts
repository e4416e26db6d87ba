import type { CredentialEntity, CredentialKind, CredentialStatus } from './credential.entity.js';

export interface NewCredential {
  id: string;
  tenantId: string;
  kind: CredentialKind;
  oauthClientId: string | null;
  issuerClientId: string | null;
  scope: string | null;
  username: string | null;
  accessTokenSealed: string;
  refreshTokenSealed: string | null;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
  lastRenewedAt: Date;
  nextAttemptAt: Date | null;
}

export interface RenewedTokens {
  accessTokenSealed: string;
  /** Undefined: keep the stored refresh token; null: drop it. */
  refreshTokenSealed?: string | null;
  accessExpiresAt: Date | null;
  refreshExpiresAt?: Date | null;
  issuerClientId: string | null;
  renewedAt: Date;
  nextAttemptAt: Date | null;
}

export interface FailureUpdate {
  status: CredentialStatus;
  lastError: string;
  nextAttemptAt: Date | null;
}

/** Who holds a credential's renewal lease, and the version it had when taken. */
export interface Lease {
  owner: string;
  /** A write succeeds only if nobody wrote since the lease was taken. */
  version: number;
}

/** A renewal's columns: the new tokens, a clean status, the next version, and the lease given back. */
export function renewedColumns(t: RenewedTokens, version: number): Partial<CredentialEntity> {
  return {
    accessTokenSealed: t.accessTokenSealed,
    ...(t.refreshTokenSealed !== undefined ? { refreshTokenSealed: t.refreshTokenSealed } : {}),
    ...(t.refreshExpiresAt !== undefined ? { refreshExpiresAt: t.refreshExpiresAt } : {}),
    accessExpiresAt: t.accessExpiresAt,
    issuerClientId: t.issuerClientId,
    status: 'active',
    failureCount: 0,
    lastError: null,
    lastRenewedAt: t.renewedAt,
    nextAttemptAt: t.nextAttemptAt,
    version: version + 1,
    leaseOwner: null,
    leaseUntil: null,
  };
}

export function failureColumns(f: FailureUpdate, failureCount: number): Partial<CredentialEntity> {
  return {
    status: f.status,
    lastError: f.lastError.slice(0, 500),
    failureCount: failureCount + 1,
    nextAttemptAt: f.nextAttemptAt,
    leaseOwner: null,
    leaseUntil: null,
  };
}
