import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
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
import { integerFromDigits } from '../common/lenient-input.js';
import {
  CreatedWebhookView,
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryPage,
  QueuedTestEvent,
  RotatedWebhookSecret,
  RotateWebhookSecretBody,
  WebhookList,
  WebhookView,
} from './webhooks.dto.js';
import { WebhooksService } from './webhooks.service.js';

const webhookId = () => new ParseUUIDPipe({ exceptionFactory: () => ApiError.notFound('That webhook') });

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe an endpoint; the signing secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedWebhookView })
  @Audited('webhook.create', {
    tenant: () => null,
    target: (c) => (c.result?.id as string | undefined) ?? null,
  })
  create(
    @Body() body: CreateWebhookBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<CreatedWebhookView> {
    return this.webhooks.create(body, audit);
  }

  @Get()
  @ApiOkResponse({ type: WebhookList })
  async list(): Promise<WebhookList> {
    return { items: await this.webhooks.list() };
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookView })
  get(@Param('id', webhookId()) id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its pending deliveries' })
  @Audited('webhook.delete', { tenant: () => null, target: (c) => c.params.id })
  async delete(
    @Param('id', webhookId()) id: string,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<void> {
    await this.webhooks.delete(id, audit);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({ summary: 'A new signing secret; deliveries carry both signatures for grace_seconds' })
  @ApiCreatedResponse({ type: RotatedWebhookSecret })
  @Audited('webhook.rotate_secret', {
    tenant: () => null,
    target: (c) => c.params.id,
    details: (c) => ({ grace_seconds: integerFromDigits(c.body.grace_seconds) ?? 86_400 }),
  })
  rotateSecret(
    @Param('id', webhookId()) id: string,
    @Body() body: RotateWebhookSecretBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<RotatedWebhookSecret> {
    return this.webhooks.rotateSecret(id, body.grace_seconds, audit);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a webhook.test event to this endpoint only' })
  @ApiAcceptedResponse({ type: QueuedTestEvent })
  @Audited('webhook.test', { tenant: () => null, target: (c) => c.params.id })
  test(
    @Param('id', webhookId()) id: string,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<QueuedTestEvent> {
    return this.webhooks.test(id, audit);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "Each event's delivery to this endpoint, its latest attempt; newest first" })
  @ApiOkResponse({ type: DeliveryPage })
  deliveries(@Param('id', webhookId()) id: string, @Query() q: DeliveriesQuery): Promise<DeliveryPage> {
    return this.webhooks.deliveriesPage(id, q.limit ?? 100, q.before);
  }
}
