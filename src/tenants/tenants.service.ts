import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { CredentialsService } from '../token-store/credentials.service.js';
import { TenantEntity } from './tenant.entity.js';
import { TenantsRepository } from './tenants.repository.js';
import { CreateTenantBody, TenantDetailView, TenantList, TenantView } from './tenants.dto.js';

function toView(t: TenantEntity): TenantView {
  return {
    id: t.id,
    name: t.name,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly credentials: CredentialsService,
  ) {}

  async create(body: CreateTenantBody): Promise<TenantView> {
    const created = await this.tenants.insertIfAbsent(body.id, body.name);
    if (!created) throw ApiError.conflict(`Tenant ${body.id} already exists`);
    return toView(created);
  }

  async list(limit: number, after: string | undefined): Promise<TenantList> {
    const rows = await this.tenants.listAfter(after, limit);
    const last = rows.at(-1);
    return { items: rows.map(toView), next_after: rows.length === limit && last ? last.id : null };
  }

  async get(id: string): Promise<TenantDetailView> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw ApiError.notFound(`Tenant ${id}`);
    const credentials = await this.credentials.list(id);
    return {
      ...toView(tenant),
      credentials: credentials.map((c) => ({
        id: c.id,
        kind: c.kind,
        status: c.status,
        access_expires_at: c.access_expires_at,
      })),
    };
  }

  async credentialsOf(id: string) {
    await this.requireExists(id);
    return this.credentials.list(id);
  }

  async requireExists(id: string): Promise<void> {
    if (!(await this.tenants.exists(id))) throw ApiError.notFound(`Tenant ${id}`);
  }

  /**
   * Revokes the tenant's tokens at Particle where possible and erases its credentials, then removes the
   * tenant and, by cascade, its OAuth clients and their sealed secrets.
   */
  async delete(id: string): Promise<{ credentials_erased: number; revocation_failures: number }> {
    await this.requireExists(id);
    const { erased, revocationFailures } = await this.credentials.revokeAndEraseAllForTenant(id);
    if (!(await this.tenants.deleteById(id))) throw ApiError.notFound(`Tenant ${id}`);
    return { credentials_erased: erased, revocation_failures: revocationFailures };
  }
}
