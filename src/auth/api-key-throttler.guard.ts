import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';

/**
 * Per-API-key request limit (`RATE_LIMIT_PER_MINUTE`, per replica): one runaway caller cannot starve
 * the others. Registered after ApiKeyGuard, so the key is known; public routes (health, metrics, docs,
 * the connect pages) and refused requests carry no principal and are not counted.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return Promise.resolve(request.principal === undefined);
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve((req as unknown as FastifyRequest).principal?.keyId ?? '');
  }

  /** The key id is already an opaque identifier: no need for the default per-request SHA-256. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new ApiError(
      'rate_limited',
      `This API key made more than ${detail.limit} requests in ${detail.ttl / 1000} s on this replica`,
      { retryAfterSeconds: detail.timeToBlockExpire },
    );
  }
}
