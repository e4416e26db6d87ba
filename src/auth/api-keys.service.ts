import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { generateApiKey, hashApiKey, hashApiKeyBase64, sameHash } from './api-key-format.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyView, CreateApiKeyBody, CreatedApiKeyView } from './api-keys.dto.js';
import { Principal } from './principal.js';

/**
 * How long a replica trusts a key it looked up. A deleted key stops working on this replica at once and on
 * every other replica within this bound (documented in the README).
 */
export const API_KEY_CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;
const LAST_USED_FLUSH_MS = 30_000;

const BOOTSTRAP: Principal = {
  keyId: 'bootstrap',
  name: 'bootstrap',
  actor: 'bootstrap',
  role: 'admin',
  tenants: '*',
  expiresAt: null,
};

interface CacheEntry {
  principal: Principal;
  until: number;
}

function toView(e: ApiKeyEntity): ApiKeyView {
  return {
    id: e.id,
    name: e.name,
    role: e.role,
    tenants: e.tenants,
    key_prefix: e.keyPrefix,
    expires_at: e.expiresAt?.toISOString() ?? null,
    last_used_at: e.lastUsedAt?.toISOString() ?? null,
    created_at: e.createdAt.toISOString(),
  };
}

function toPrincipal(e: ApiKeyEntity): Principal {
  return {
    keyId: e.id,
    name: e.name,
    actor: e.id,
    role: e.role,
    tenants: e.tenants.includes('*') ? '*' : new Set(e.tenants),
    expiresAt: e.expiresAt,
  };
}

@Injectable()
export class ApiKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new Map<string, CacheEntry>();
  /** Key id -> last use, written to the database in one statement per flush instead of once per request. */
  private lastUsed = new Map<string, Date>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly bootstrapHash: Buffer | undefined;

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.bootstrapHash = config.bootstrapAdminKey ? hashApiKey(config.bootstrapAdminKey) : undefined;
  }

  onModuleInit(): void {
    this.flushTimer = setInterval(() => void this.flushLastUsed().catch(() => undefined), LAST_USED_FLUSH_MS);
    this.flushTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushLastUsed().catch(() => undefined);
  }

  /**
   * The principal of a presented key, or undefined when it is unknown, deleted or expired. Answers
   * synchronously when this replica has the key cached (every request but one per key and 5 s), so the
   * guard's hot path allocates no promise; a lookup in the database answers with one.
   */
  authenticate(key: string): Principal | undefined | Promise<Principal | undefined> {
    return this.authenticateHash(hashApiKeyBase64(key));
  }

  /**
   * As `authenticate`, from the key's SHA-256 as base64 (what a console session keeps of the key it was
   * opened with): a deleted or expired key ends its sessions within the same cache bound.
   */
  authenticateHash(cacheKey: string): Principal | undefined | Promise<Principal | undefined> {
    const now = this.clock.now();
    // The cache first: it only ever holds keys found in the database, never the bootstrap key, so a hit
    // needs no comparison with it (nor the Buffer that comparison decodes).
    const entry = this.cache.get(cacheKey);
    if (entry && entry.until > now.getTime()) return this.accept(entry.principal, now);
    if (this.bootstrapHash && sameHash(Buffer.from(cacheKey, 'base64'), this.bootstrapHash)) {
      return BOOTSTRAP;
    }
    return this.lookUp(cacheKey, now);
  }

  private async lookUp(cacheKey: string, now: Date): Promise<Principal | undefined> {
    const found = await this.repository.findByHash(Buffer.from(cacheKey, 'base64'));
    this.cache.delete(cacheKey);
    if (!found) return undefined;
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
    const entry = { principal: toPrincipal(found), until: now.getTime() + API_KEY_CACHE_TTL_MS };
    this.cache.set(cacheKey, entry);
    return this.accept(entry.principal, now);
  }

  private accept(principal: Principal, now: Date): Principal | undefined {
    if (principal.expiresAt && principal.expiresAt <= now) return undefined;
    this.lastUsed.set(principal.keyId, now);
    return principal;
  }

  /** `audit`: the action's success row, committed with the key (design.md §5.10). */
  async create(body: CreateApiKeyBody, audit?: SuccessAudit): Promise<CreatedApiKeyView> {
    const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
    // ISO 8601 allows dates (a signed year, say) that Date cannot represent; PostgreSQL would refuse them.
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      throw ApiError.validation('expires_at is not a date', [
        { field: 'expires_at', messages: ['must be a date and time such as 2027-06-30T00:00:00Z'] },
      ]);
    }
    if (expiresAt && expiresAt <= this.clock.now()) {
      throw ApiError.validation('expires_at must be in the future', [
        { field: 'expires_at', messages: ['must be in the future'] },
      ]);
    }
    const { key, hash, prefix } = generateApiKey();
    const tenants = body.tenants.includes('*') ? ['*'] : [...new Set(body.tenants)];
    const saved = await this.repository.create(
      { name: body.name, role: body.role, tenants, keyHash: hash, keyPrefix: prefix, expiresAt },
      audit && ((em, row) => audit.appendIn(em, { ...toView(row), key })),
    );
    return { ...toView(saved), key };
  }

  /** A new key for the same holder; the old one keeps working for `graceSeconds` (0: stops at once). */
  async rotate(id: string, graceSeconds: number, audit?: SuccessAudit): Promise<CreatedApiKeyView> {
    const old = await this.repository.findById(id);
    const now = this.clock.now();
    if (!old || (old.expiresAt && old.expiresAt <= now)) throw ApiError.notFound(`API key ${id}`);
    const { key, hash, prefix } = generateApiKey();
    const successor = await this.repository.rotate(
      old,
      { keyHash: hash, keyPrefix: prefix },
      new Date(now.getTime() + graceSeconds * 1000),
      audit && ((em, row) => audit.appendIn(em, { ...toView(row), key })),
    );
    // This replica stops trusting the old key's cached expiry at once; others within the cache bound.
    this.cache.delete(old.keyHash.toString('base64'));
    return { ...toView(successor), key };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repository.listNewestFirst()).map(toView);
  }

  async delete(id: string, audit?: SuccessAudit): Promise<void> {
    const found = await this.repository.findById(id);
    const appendAudit = audit && ((em: EntityManager) => audit.appendIn(em, undefined));
    if (!found || !(await this.repository.deleteById(id, appendAudit))) {
      throw ApiError.notFound(`API key ${id}`);
    }
    this.cache.delete(found.keyHash.toString('base64'));
    this.lastUsed.delete(id);
  }

  /**
   * Part of a tenant's deletion (`em`: its transaction): no key reaches the tenant any more, nor one
   * later created with the same id. Returns what `forgetCached` must drop once that transaction commits.
   */
  removeTenantFromKeys(em: EntityManager, tenantId: string): Promise<Buffer[]> {
    return this.repository.removeTenantFromAll(em, tenantId, this.clock.now());
  }

  /**
   * After a commit that changed these keys: this replica looks them up again at once; other replicas
   * within API_KEY_CACHE_TTL_MS. Dropped only after the commit, or a lookup could cache the old row.
   */
  forgetCached(keyHashes: readonly Buffer[]): void {
    for (const hash of keyHashes) this.cache.delete(hash.toString('base64'));
  }

  async flushLastUsed(): Promise<void> {
    const uses = this.lastUsed;
    this.lastUsed = new Map();
    await this.repository.recordLastUsed(uses);
  }
}
