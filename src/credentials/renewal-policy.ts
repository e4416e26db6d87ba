import type { CredentialKind } from './credential.entity.js';

/** Tokens that cannot be renewed are looked at (a liveness check with Particle) this often. */
export const CHECK_INTERVAL_MS = 60 * 60 * 1000;
/** Particle's refresh tokens live 14 days (particle-cloud.md §5), counted from issue to be safe. */
export const REFRESH_TOKEN_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;

export function canRenew(kind: CredentialKind): boolean {
  return kind === 'client_credentials' || kind === 'authorization_code';
}

/** Customer tokens are minted when a caller asks: renewing thousands ahead of need would eat the budget. */
export function isOnDemandOnly(scope: string | null): boolean {
  return scope?.startsWith('customer=') ?? false;
}

/**
 * When the scheduler should next look at a credential that was just (re)issued: renewable ones
 * `leadSeconds` before the access token (or the refresh token) runs out; the others at the next periodic
 * check or when they enter the lead window, whichever is first; customer tokens never (null).
 */
export function nextAttemptAfterIssue(
  kind: CredentialKind,
  scope: string | null,
  now: Date,
  accessExpiresAt: Date | null,
  refreshExpiresAt: Date | null,
  leadSeconds: number,
  random: () => number = Math.random,
): Date | null {
  if (isOnDemandOnly(scope)) return null;
  // Up to 20 % earlier than the lead: credentials minted together (a deploy, an outage) drift apart.
  const lead = leadSeconds * 1000 * (1 + 0.2 * random());
  const deadlines = [accessExpiresAt, kind === 'authorization_code' ? refreshExpiresAt : null]
    .filter((d): d is Date => d !== null)
    .map((d) => d.getTime() - lead);
  if (!canRenew(kind)) deadlines.push(now.getTime() + CHECK_INTERVAL_MS);
  const at = deadlines.length > 0 ? Math.min(...deadlines) : now.getTime() + CHECK_INTERVAL_MS;
  return new Date(Math.max(at, now.getTime()));
}

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 30 * 60_000;

/**
 * Exponential backoff with ±20 % jitter after `failures` transient failures in a row, so credentials
 * that failed together (a Particle outage) do not all retry at the same instant.
 */
export function retryAfterFailure(failures: number, now: Date, random: () => number = Math.random): Date {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jitter = exp * 0.2 * (2 * random() - 1);
  return new Date(now.getTime() + Math.round(exp + jitter));
}
