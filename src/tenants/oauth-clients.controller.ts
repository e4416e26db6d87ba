import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { digitsFromPositiveInteger, integerFromDigits } from '../common/lenient-input.js';
import {
  CreateOAuthClientBody,
  ListOAuthClientsQuery,
  OAuthClientList,
  OAuthClientView,
  RotateSecretBody,
} from './oauth-clients.dto.js';
import { OAuthClientRotationService } from './oauth-client-rotation.service.js';
import { OAuthClientsService } from './oauth-clients.service.js';

@ApiTags('oauth-clients')
@ApiBearerAuth()
@Controller('v1/oauth-clients')
export class OAuthClientsController {
  constructor(
    private readonly clients: OAuthClientsService,
    private readonly rotation: OAuthClientRotationService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Register a Particle OAuth client; its secret is stored encrypted and never returned',
  })
  @ApiCreatedResponse({ type: OAuthClientView })
  @ApiConflictResponse({ description: 'An OAuth client with this id exists' })
  @Audited('oauth_client.create', {
    details: (c) => ({
      type: c.body.type,
      client_id: c.body.client_id,
      // The raw body: read as the pipe reads it, so the row holds the contract's types.
      product_id: digitsFromPositiveInteger(c.body.product_id) ?? null,
    }),
  })
  create(
    @Body() body: CreateOAuthClientBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<OAuthClientView> {
    return this.clients.create(body, audit);
  }

  @Get()
  @ApiOkResponse({ type: OAuthClientList })
  async list(@Query() q: ListOAuthClientsQuery): Promise<OAuthClientList> {
    return { items: await this.clients.list(q.tenant_id) };
  }

  @Post(':id/rotations')
  @ApiOperation({
    summary:
      'Switch to a new secret (checked at Particle first); the previous one stays a fallback for grace_seconds',
  })
  @ApiCreatedResponse({ type: OAuthClientView })
  @Audited('oauth_client.rotate', {
    tenant: (c) => (typeof c.result?.tenant_id === 'string' ? c.result.tenant_id : null),
    details: (c) => ({
      client_id: c.result?.client_id ?? null,
      grace_seconds: integerFromDigits(c.body.grace_seconds) ?? 86_400,
    }),
  })
  rotate(
    @Param('id') id: string,
    @Body() body: RotateSecretBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<OAuthClientView> {
    return this.rotation.rotate(id, body, audit);
  }

  @Post(':id/rotations/rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Back to the previous secret, inside its grace period' })
  @ApiOkResponse({ type: OAuthClientView })
  @Audited('oauth_client.rollback', {
    tenant: (c) => (typeof c.result?.tenant_id === 'string' ? c.result.tenant_id : null),
  })
  rollBack(@Param('id') id: string, @InTransactionAudit() audit: SuccessAudit): Promise<OAuthClientView> {
    return this.rotation.rollBack(id, audit);
  }

  @Get(':id')
  @ApiOkResponse({ type: OAuthClientView })
  get(@Param('id') id: string): Promise<OAuthClientView> {
    return this.clients.get(id);
  }
}
