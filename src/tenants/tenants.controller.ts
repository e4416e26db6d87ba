import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import {
  CreateTenantBody,
  ListTenantsQuery,
  TenantDetailView,
  TenantList,
  TenantView,
} from './tenants.dto.js';
import { TenantLifecycleService } from './tenant-lifecycle.service.js';
import { TenantsService } from './tenants.service.js';

const byId = { tenant: (c: { params: Record<string, string | undefined> }) => c.params.id };

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly lifecycle: TenantLifecycleService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: TenantView })
  @ApiConflictResponse({ description: 'A tenant with this id exists' })
  @Audited('tenant.create', { tenant: (c) => (typeof c.body.id === 'string' ? c.body.id : null) })
  create(@Body() body: CreateTenantBody, @InTransactionAudit() audit: SuccessAudit): Promise<TenantView> {
    return this.tenants.create(body, audit);
  }

  @Get()
  @ApiOkResponse({ type: TenantList })
  list(@Query() q: ListTenantsQuery): Promise<TenantList> {
    return this.tenants.list(q.limit ?? 100, q.after);
  }

  @Get(':id')
  @ApiOkResponse({ type: TenantDetailView })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<TenantDetailView> {
    return this.lifecycle.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its OAuth clients and secrets' })
  @Audited('tenant.delete', { ...byId, details: (c) => ({ ...c.result }) })
  delete(
    @Param('id') id: string,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<{ credentials_erased: number; revocation_failures: number; keys_changed: number }> {
    // 204 sends no body; the counts only feed the audit row (appended with the tenant row's deletion).
    return this.lifecycle.delete(id, audit);
  }
}
