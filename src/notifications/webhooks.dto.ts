import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsAuditCursor } from '../audit/audit.dto.js';
import { AcceptsDigits, AcceptsSingleString } from '../common/lenient-input.js';
import { TENANT_OR_WILDCARD } from '../tenants/tenant-id.js';

/** Every event type of design.md §10 (`webhook.test` goes only to the endpoint it was asked for). */
export const WEBHOOK_EVENT_TYPES = [
  'credential.needs_reauth',
  'credential.failing',
  'credential.recovered',
  'credential.expiring',
  'credential.revoked',
  'oauth_client.invalid',
  'oauth_client.rotated',
  'egress.breaker_opened',
  'egress.breaker_closed',
  'egress.budget_exhausted',
  'webhook.test',
] as const;

export class CreateWebhookBody {
  @ApiProperty({ example: 'https://ops.example.com/hooks/particle-broker' })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ type: [String], example: ['credential.needs_reauth'], default: ['*'] })
  @IsOptional()
  @AcceptsSingleString()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsIn(['*', ...WEBHOOK_EVENT_TYPES], { each: true, message: 'each event must be "*" or an event type' })
  events?: string[];

  @ApiPropertyOptional({ type: [String], example: ['acme'], default: ['*'] })
  @IsOptional()
  @AcceptsSingleString()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Matches(TENANT_OR_WILDCARD, { each: true, message: 'each tenant must be a tenant id or "*"' })
  tenants?: string[];

  @ApiPropertyOptional({ example: 'ops pager' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class RotateWebhookSecretBody {
  @ApiPropertyOptional({ minimum: 0, maximum: 2592000, default: 86400 })
  @IsOptional()
  @AcceptsDigits()
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  grace_seconds?: number;
}

export class WebhookView {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty({ type: [String] }) tenants: string[];
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty() created_at: string;
}

export class CreatedWebhookView extends WebhookView {
  @ApiProperty({ description: 'whsec_…: shown once, never again' }) secret: string;
}

export class WebhookList {
  @ApiProperty({ type: [WebhookView] }) items: WebhookView[];
}

export class RotatedWebhookSecret {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The new secret, shown once' }) secret: string;
}

export class QueuedTestEvent {
  @ApiProperty() event_id: string;
}

export class DeliveriesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: `next_before` of the previous page' })
  @IsOptional()
  @IsAuditCursor()
  before?: string;
}

export class DeliveryView {
  @ApiProperty() id: string;
  @ApiProperty() event_id: string;
  @ApiProperty() type: string;
  @ApiProperty({ description: 'Attempts made so far (0: not tried yet)' }) attempt: number;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) state: string;
  @ApiProperty({ type: Number, nullable: true }) status_code: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty() at: string;
  @ApiProperty({ type: String, nullable: true }) next_attempt_at: string | null;
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView] }) items: DeliveryView[];
  @ApiProperty({ type: String, nullable: true }) next_before: string | null;
}
