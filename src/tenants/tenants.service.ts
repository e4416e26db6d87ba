import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { TenantEntity } from './tenant.entity.js';
import { TenantsRepository } from './tenants.repository.js';
import { CreateTenantBody, TenantList, TenantView } from './tenants.dto.js';

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

  /** `audit`: the action's success row, committed with the tenant (design.md §5.10). */
  async create(body: CreateTenantBody, audit?: SuccessAudit): Promise<TenantView> {
    const created = await this.tenants.insertIfAbsent(
      body.id,
      body.name,
      audit && ((em, row) => audit.appendIn(em, toView(row))),
    );
    if (!created) throw ApiError.conflict(`Tenant ${body.id} already exists`);
    return toView(created);
  }

  async list(limit: number, after: string | undefined): Promise<TenantList> {
    const rows = await this.tenants.listAfter(after, limit);
    const last = rows.at(-1);
    return { items: rows.map(toView), next_after: rows.length === limit && last ? last.id : null };
  }

  count(): Promise<number> {
    return this.tenants.count();
  }

  async requireExists(id: string): Promise<void> {
    if (!(await this.tenants.exists(id))) throw ApiError.notFound(`Tenant ${id}`);
  }

  async findById(id: string): Promise<TenantView | undefined> {
    const tenant = await this.tenants.findById(id);
    return tenant ? toView(tenant) : undefined;
  }

  /**
   * The tenant row goes, and with it (by cascade) its OAuth clients and their sealed secrets; `also`
   * commits with it.
   */
  async deleteRow(id: string, also: (em: EntityManager) => Promise<void>): Promise<boolean> {
    return this.tenants.deleteById(id, also);
  }
}
