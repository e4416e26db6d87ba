import { Injectable } from '@nestjs/common';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { ApiError } from '../common/api-error.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { TenantDetailView } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

/** What a tenant is and how it goes, together with its credentials (which the credentials module owns). */
@Injectable()
export class TenantLifecycleService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly credentials: CredentialsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async get(id: string): Promise<TenantDetailView> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw ApiError.notFound(`Tenant ${id}`);
    const credentials = await this.credentials.list(id);
    return {
      ...tenant,
      credentials: credentials.map((c) => ({
        id: c.id,
        kind: c.kind,
        status: c.status,
        access_expires_at: c.access_expires_at,
      })),
    };
  }

  /**
   * Revokes the tenant's tokens at Particle where possible and erases its credentials, then removes the
   * tenant and, by cascade, its OAuth clients and their sealed secrets. In the same transaction the
   * tenant leaves every API key's list (design.md §9.8): a tenant created later with the same id is a
   * new customer, and keys made for the old one must not reach it.
   *
   * The audit row (`audit`, design.md §5.10) commits with the tenant row, the last write. Revocation is a
   * call to Particle per credential, so no transaction can span the whole (§5.9), and a revoked token
   * cannot be un-revoked anyway: each credential's erasure commits on its own first. If the row then
   * cannot be written, the tenant, its clients and its keys' access stay, the caller gets the error, and
   * a retry finishes the deletion and is audited; what already went is only secrets no one could use.
   */
  async delete(
    id: string,
    audit?: SuccessAudit,
  ): Promise<{ credentials_erased: number; revocation_failures: number; keys_changed: number }> {
    await this.tenants.requireExists(id);
    const { erased, revocationFailures } = await this.credentials.revokeAndEraseAllForTenant(
      id,
      audit?.requestId,
    );
    const counts = (keys: number) => ({
      credentials_erased: erased,
      revocation_failures: revocationFailures,
      keys_changed: keys,
    });
    let changedKeys: Buffer[] = [];
    const deleted = await this.tenants.deleteRow(id, async (em) => {
      changedKeys = await this.apiKeys.removeTenantFromKeys(em, id);
      await audit?.appendIn(em, counts(changedKeys.length));
    });
    if (!deleted) throw ApiError.notFound(`Tenant ${id}`);
    this.apiKeys.forgetCached(changedKeys);
    return counts(changedKeys.length);
  }
}
