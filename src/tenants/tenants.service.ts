import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
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
  constructor(private readonly tenants: TenantsRepository) {}

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
    // Credential summaries arrive with the credentials module (issue 4).
    return { ...toView(tenant), credentials: [] };
  }

  async requireExists(id: string): Promise<void> {
    if (!(await this.tenants.exists(id))) throw ApiError.notFound(`Tenant ${id}`);
  }

  /**
   * Removes the tenant and, by cascade, its OAuth clients and their sealed secrets. Revoking its tokens at
   * Particle first is the credentials module's job (issue 4) and will be called from here.
   */
  async delete(id: string): Promise<void> {
    if (!(await this.tenants.deleteById(id))) throw ApiError.notFound(`Tenant ${id}`);
  }
}
