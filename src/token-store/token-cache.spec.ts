import { describe, expect, it } from 'vitest';
import { CachedToken, TokenCache } from './token-cache.js';

const NOW = 1_000_000;

function token(tenantId: string, credentialId: string, trustUntil = NOW + 60_000): CachedToken {
  return {
    credentialId,
    tenantId,
    accessToken: `at-${credentialId}`,
    expiresAt: null,
    scope: null,
    trustUntil,
  };
}

function filled(): TokenCache {
  const cache = new TokenCache();
  cache.set(TokenCache.key('acme', undefined, undefined), token('acme', 'a1'), cache.generation('acme'));
  cache.set(TokenCache.key('acme', 'a2', undefined), token('acme', 'a2'), cache.generation('acme'));
  cache.set(TokenCache.key('acme', undefined, 'shop-7'), token('acme', 'a3'), cache.generation('acme'));
  cache.set(
    TokenCache.key('globex', undefined, undefined),
    token('globex', 'g1'),
    cache.generation('globex'),
  );
  return cache;
}

describe(TokenCache.name, () => {
  it("evicts every entry of one tenant, whatever was asked for, and nobody else's", () => {
    const cache = filled();

    cache.evictTenant('acme');

    expect(cache.get(TokenCache.key('acme', undefined, undefined), NOW)).toBeUndefined();
    expect(cache.get(TokenCache.key('acme', 'a2', undefined), NOW)).toBeUndefined();
    expect(cache.get(TokenCache.key('acme', undefined, 'shop-7'), NOW)).toBeUndefined();
    expect(cache.get(TokenCache.key('globex', undefined, undefined), NOW)?.credentialId).toBe('g1');
  });

  it('drops an entry once it is no longer trusted, and caches the tenant again afterwards', () => {
    const cache = new TokenCache();
    const key = TokenCache.key('acme', undefined, undefined);
    cache.set(key, token('acme', 'a1', NOW), cache.generation('acme'));

    expect(cache.get(key, NOW)).toBeUndefined();
    cache.set(key, token('acme', 'a2'), cache.generation('acme'));
    expect(cache.get(key, NOW)?.credentialId).toBe('a2');
    cache.evictTenant('acme');
    expect(cache.get(key, NOW)).toBeUndefined();
  });

  it('forgets everything on clear, and later entries are evicted as usual', () => {
    const cache = filled();

    cache.clear();
    cache.set(TokenCache.key('globex', 'g2', undefined), token('globex', 'g2'), cache.generation('globex'));
    cache.evictTenant('globex');

    expect(cache.get(TokenCache.key('globex', undefined, undefined), NOW)).toBeUndefined();
    expect(cache.get(TokenCache.key('globex', 'g2', undefined), NOW)).toBeUndefined();
  });

  it('refuses a fill that read the database before the tenant was evicted, and takes the next one', () => {
    const cache = new TokenCache();
    const key = TokenCache.key('acme', undefined, undefined);
    const before = cache.generation('acme');
    const other = cache.generation('globex');

    cache.evictTenant('acme');
    cache.set(key, token('acme', 'deleted'), before);
    cache.set(TokenCache.key('globex', undefined, undefined), token('globex', 'g1'), other);

    expect(cache.get(key, NOW)).toBeUndefined();
    expect(cache.get(TokenCache.key('globex', undefined, undefined), NOW)?.credentialId).toBe('g1');
    cache.set(key, token('acme', 'fresh'), cache.generation('acme'));
    expect(cache.get(key, NOW)?.credentialId).toBe('fresh');
  });

  it('refuses every fill in flight across a clear', () => {
    const cache = new TokenCache();
    cache.evictTenant('acme');
    const before = cache.generation('acme');

    cache.clear();
    cache.set(TokenCache.key('acme', undefined, undefined), token('acme', 'stale'), before);

    expect(cache.get(TokenCache.key('acme', undefined, undefined), NOW)).toBeUndefined();
  });
});
