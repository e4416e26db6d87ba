import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { integerFromDigits, listFromString } from '../common/lenient-input.js';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKeyView, RotateApiKeyBody } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  @Audited('api_key.create', {
    tenant: () => null,
    // The raw body: read as the pipe reads it, so the row holds the contract's types.
    details: (c) => ({ role: c.body.role, tenants: listFromString(c.body.tenants) }),
  })
  create(
    @Body() body: CreateApiKeyBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<CreatedApiKeyView> {
    return this.apiKeys.create(body, audit);
  }

  @Post(':id/rotate')
  @ApiOperation({
    summary: 'A new key for the same holder; the old one keeps working for grace_seconds (default 0)',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  @Audited('api_key.rotate', {
    tenant: () => null,
    target: (c) => c.params.id,
    details: (c) => ({
      successor: c.result?.id ?? null,
      grace_seconds: integerFromDigits(c.body.grace_seconds) ?? 0,
    }),
  })
  rotate(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => ApiError.notFound('That API key') })) id: string,
    @Body() body: RotateApiKeyBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<CreatedApiKeyView> {
    return this.apiKeys.rotate(id, body.grace_seconds ?? 0, audit);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyList })
  async list(): Promise<ApiKeyList> {
    return { items: await this.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; other replicas stop accepting it within 5 s' })
  @Audited('api_key.delete', { tenant: () => null })
  async delete(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => ApiError.notFound('That API key') })) id: string,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<void> {
    await this.apiKeys.delete(id, audit);
  }
}
