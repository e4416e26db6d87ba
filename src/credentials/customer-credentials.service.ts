import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { chooseDefault } from './credential-choice.js';
import { CredentialEntity } from './credential.entity.js';
import { CredentialsRepository } from './credentials.repository.js';

/**
 * Customer-scoped tokens (`scope=customer=<email>`, particle-cloud.md §8) come from the tenant's product
 * client. Each customer gets its own credential row, so its token is cached, shared by every replica and
 * minted once, like any other credential, but only when a caller asks (never by the scheduler).
 */
@Injectable()
export class CustomerCredentials {
  constructor(
    private readonly credentials: CredentialsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `mayCreate` false: the request could not be served by a mint, so a customer seen for the first time
   * gets no row (it would hold no token, and count against the tenant's bound).
   */
  async forCustomer(tenantId: string, customer: string, mayCreate: boolean): Promise<CredentialEntity> {
    const all = await this.credentials.listForTenant(tenantId);
    const scope = `customer=${customer}`;
    const existing = all.find((c) => c.kind === 'client_credentials' && c.scope === scope);
    if (existing) return existing;
    if (!mayCreate) {
      throw new ApiError(
        'credential_unavailable',
        `No token for customer ${customer} yet, and a minted one could not meet min_ttl_seconds`,
      );
    }
    const base = chooseDefault(all.filter((c) => c.kind === 'client_credentials'));
    if (!base) {
      throw new ApiError(
        'credential_unavailable',
        `Tenant ${tenantId} has no client_credentials credential for customer tokens`,
      );
    }
    const limit = this.config.customerCredentialsPerTenant;
    const created = await this.credentials.ensureCustomerCredential(base, scope, randomUUID(), limit);
    if (!created) {
      throw ApiError.conflict(
        `Tenant ${tenantId} already holds ${limit} customer credentials (CUSTOMER_CREDENTIALS_PER_TENANT)`,
      );
    }
    return created;
  }
}
