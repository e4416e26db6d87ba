/** A decrypted token held in memory for the hot path. */
export interface CachedToken {
  credentialId: string;
  tenantId: string;
  accessToken: string;
  /** Null: never expires. */
  expiresAt: Date | null;
  scope: string | null;
  /** When this entry stops being trusted without asking the database again. */
  trustUntil: number;
}

/**
 * In-process cache of issued tokens, keyed by what a caller asks for (tenant, credential or default,
 * customer). Renewals and revocations on any replica evict a tenant's entries through LISTEN/NOTIFY;
 * `trustUntil` bounds how long a missed notification could leave a stale entry.
 */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();

  static key(tenantId: string, credentialId: string | undefined, customer: string | undefined): string {
    return `${tenantId}\u0000${credentialId ?? ''}\u0000${customer ?? ''}`;
  }

  get(key: string, nowMs: number): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.trustUntil <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, token: CachedToken): void {
    this.entries.set(key, token);
  }

  evictTenant(tenantId: string): void {
    for (const [key, entry] of this.entries) if (entry.tenantId === tenantId) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
