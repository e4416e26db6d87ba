import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { ApiKeyRateLimitGuard } from '../auth/api-key-rate-limit.guard.js';
import { canActFor, Principal } from '../auth/principal.js';
import { RequestAuthenticator } from '../auth/request-authenticator.js';
import { ApiError } from '../common/api-error.js';
import { TENANT_ID_PATTERN } from '../tenants/tenant-id.js';

/** Who may use the proxy for which tenant: what ApiKeyGuard and the rate limit decide for Nest's routes. */
@Injectable()
export class ProxyCaller {
  constructor(
    private readonly authenticator: RequestAuthenticator,
    private readonly rateLimit: ApiKeyRateLimitGuard,
  ) {}

  /**
   * The caller's principal for `tenantId` (also set on the request for the logs), or the refusal. Without
   * a promise for a cached key (the hot path); a console session's comes from the database.
   */
  admit(request: FastifyRequest, tenantId: string): Principal | Promise<Principal> {
    const found = this.authenticator.principalOf(request);
    return found instanceof Promise
      ? found.then((principal) => this.allowed(request, tenantId, principal))
      : this.allowed(request, tenantId, found);
  }

  private allowed(request: FastifyRequest, tenantId: string, principal: Principal | undefined): Principal {
    if (!principal) {
      throw new ApiError('unauthorized', 'A valid API key is required: Authorization: Bearer <key>');
    }
    request.principal = principal;
    if (!TENANT_ID_PATTERN.test(tenantId)) throw ApiError.notFound(`Tenant ${tenantId}`);
    if (!canActFor(principal, tenantId))
      throw new ApiError('forbidden', 'This key may not act for this tenant');
    const limited = this.rateLimit.count(principal.keyId);
    if (limited) throw limited;
    return principal;
  }

  /** `X-Broker-Credential-Id` chooses the credential; absent, the tenant's default (as for /tokens). */
  credentialId(request: FastifyRequest): string | undefined {
    const value = request.headers['x-broker-credential-id'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !isUUID(value)) {
      throw ApiError.validation('Invalid fields: X-Broker-Credential-Id', [
        {
          field: 'X-Broker-Credential-Id',
          messages: ['X-Broker-Credential-Id must be a credential id (UUID)'],
        },
      ]);
    }
    return value;
  }
}
