import { CredentialEntity, CredentialKind } from './credential.entity.js';

/** The tenant's default credential by kind (design.md, issue 5): product tokens first, logins last. */
const PREFERENCE: CredentialKind[] = ['client_credentials', 'authorization_code', 'token', 'password'];

/**
 * The credential a caller gets when it names none: the most preferred kind that can still work, and among
 * those the newest. Customer-scoped client_credentials are never a default (they speak for one customer).
 */
export function chooseDefault(all: CredentialEntity[]): CredentialEntity | undefined {
  const candidates = all.filter((c) => c.scope === null && c.status !== 'revoked');
  const usable = candidates.filter((c) => c.status !== 'needs_reauth');
  const pool = usable.length > 0 ? usable : candidates;
  return [...pool].sort(
    (a, b) =>
      PREFERENCE.indexOf(a.kind) - PREFERENCE.indexOf(b.kind) ||
      b.createdAt.getTime() - a.createdAt.getTime(),
  )[0];
}
