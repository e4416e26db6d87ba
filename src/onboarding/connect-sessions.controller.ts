import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ConnectSessionView, CreateConnectSessionBody } from './connect-sessions.dto.js';
import { ConnectSessionsService } from './connect-sessions.service.js';

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('v1/tenants/:id/connect-sessions')
export class ConnectSessionsController {
  constructor(private readonly connect: ConnectSessionsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'A one-time link (10 minutes) for the tenant’s person to connect a Particle account',
    description:
      'Opening the link starts Particle’s authorization-code flow; the callback stores an authorization_code credential.',
  })
  @ApiCreatedResponse({ type: ConnectSessionView })
  @Audited('connect_session.create', {
    tenant: (c) => c.params.id,
    // The response holds the link itself, which is a secret: the audit names the client instead.
    target: (c) => (typeof c.body.oauth_client_id === 'string' ? c.body.oauth_client_id : null),
    details: (c) => ({
      oauth_client_id: c.body.oauth_client_id ?? null,
      return_to_origin:
        typeof c.body.return_to === 'string' && URL.canParse(c.body.return_to)
          ? new URL(c.body.return_to).origin
          : null,
      expires_at: c.result?.expires_at ?? null,
    }),
  })
  create(
    @Param('id') tenantId: string,
    @Body() body: CreateConnectSessionBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<ConnectSessionView> {
    return this.connect.create(tenantId, body, audit);
  }
}
