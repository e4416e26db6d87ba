import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited } from '../audit/audited.interceptor.js';
import {
  CreateOAuthClientBody,
  ListOAuthClientsQuery,
  OAuthClientList,
  OAuthClientView,
} from './oauth-clients.dto.js';
import { OAuthClientsService } from './oauth-clients.service.js';

@ApiTags('oauth-clients')
@ApiBearerAuth()
@Controller('v1/oauth-clients')
export class OAuthClientsController {
  constructor(private readonly clients: OAuthClientsService) {}

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
      product_id: c.body.product_id ?? null,
    }),
  })
  create(@Body() body: CreateOAuthClientBody): Promise<OAuthClientView> {
    return this.clients.create(body);
  }

  @Get()
  @ApiOkResponse({ type: OAuthClientList })
  async list(@Query() q: ListOAuthClientsQuery): Promise<OAuthClientList> {
    return { items: await this.clients.list(q.tenant_id) };
  }

  @Get(':id')
  @ApiOkResponse({ type: OAuthClientView })
  get(@Param('id') id: string): Promise<OAuthClientView> {
    return this.clients.get(id);
  }
}
