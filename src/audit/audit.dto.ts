import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { TENANT_ID_PATTERN } from '../tenants/tenant-id.js';

/** Audit ids are PostgreSQL bigints: a larger cursor would fail the query instead of meaning "from the newest". */
const MAX_BIGINT = 2n ** 63n - 1n;

/** Also the cursor of webhook deliveries, whose ids are bigints too. */
export const IsAuditCursor = (): PropertyDecorator =>
  ValidateBy({
    name: 'isAuditCursor',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && /^[0-9]{1,19}$/.test(v) && BigInt(v) <= MAX_BIGINT,
      defaultMessage: () =>
        'before must be the next_before of a previous page (an id up to 9223372036854775807)',
    },
  });

export class AuditQuery {
  @ApiPropertyOptional({ example: 'acme' })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN)
  tenant_id?: string;

  @ApiPropertyOptional({ example: 'tenant.create' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: `next_before` of the previous page', example: '1042' })
  @IsOptional()
  @IsAuditCursor()
  before?: string;
}

export class AuditEventView {
  @ApiProperty({ example: '1043' }) id: string;
  @ApiProperty({ example: '2026-11-23T21:00:00.000Z' }) at: string;
  @ApiProperty({ example: '3f0c…', description: 'API key id, `bootstrap`, or `system`' }) actor: string;
  @ApiProperty({ example: 'tenant.create' }) action: string;
  @ApiProperty({ type: String, nullable: true, example: 'acme' }) tenant_id: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'acme' }) target: string | null;
  @ApiProperty({ enum: ['success', 'failure', 'denied'] }) outcome: string;
  @ApiProperty({ type: String, nullable: true }) request_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEventView] }) items: AuditEventView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the next page' })
  next_before: string | null;
}
