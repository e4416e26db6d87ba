import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditPage, AuditQuery } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events, newest first; page with `before` = the previous `next_before`' })
  @ApiOkResponse({ type: AuditPage })
  list(@Query() q: AuditQuery): Promise<AuditPage> {
    return this.audit.page({
      tenantId: q.tenant_id,
      action: q.action,
      limit: q.limit ?? 100,
      before: q.before,
    });
  }
}
