import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SlidingWindowStorage } from './rate-limit.storage.js';

const WINDOW_MS = 60_000;

/**
 * Per-API-key request limit (`RATE_LIMIT_PER_MINUTE`, per replica; 0 turns it off): one runaway caller
 * cannot starve the others. Registered after ApiKeyGuard, so the key is known; public routes (health,
 * metrics, docs, the connect pages) and refused requests carry no principal and are not counted.
 *
 * Synchronous, with one counter per key and no per-route options: @nestjs/throttler's guard, which did
 * this before, looked up six pieces of route metadata and awaited five promises per request for options
 * no route sets (about 5 % of the token endpoint's CPU, bench/README.md).
 */
@Injectable()
export class ApiKeyRateLimitGuard implements CanActivate {
  private readonly limit: number;

  constructor(
    private readonly windows: SlidingWindowStorage,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limit = config.rateLimitPerMinute;
  }

  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (principal === undefined) return true;
    const refusal = this.count(principal.keyId);
    if (refusal) throw refusal;
    return true;
  }

  /** Counts one request of `keyId`: the refusal when it is past the limit. Also used by the proxy. */
  count(keyId: string): ApiError | undefined {
    if (this.limit === 0) return undefined;
    const hit = this.windows.increment(keyId, WINDOW_MS, this.limit);
    if (!hit.isBlocked) return undefined;
    return new ApiError(
      'rate_limited',
      `This API key made more than ${this.limit} requests in ${WINDOW_MS / 1000} s on this replica`,
      { retryAfterSeconds: hit.timeToBlockExpire },
    );
  }
}
