import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { TENANT_ID_PATTERN } from './tenant-id.js';

export class CreateTenantBody {
  @ApiProperty({ example: 'acme', pattern: TENANT_ID_PATTERN.source })
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'id must match ^[a-z0-9][a-z0-9-]{1,62}$' })
  id: string;

  @ApiProperty({ example: 'Acme Corporation' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;
}

export class ListTenantsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: `next_after` of the previous page' })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN)
  after?: string;
}

export class CredentialSummary {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['client_credentials', 'authorization_code', 'password', 'token'] }) kind: string;
  @ApiProperty({ enum: ['active', 'expiring', 'needs_reauth', 'failing', 'revoked'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) access_expires_at: string | null;
}

export class TenantView {
  @ApiProperty({ example: 'acme' }) id: string;
  @ApiProperty({ example: 'Acme Corporation' }) name: string;
  @ApiProperty({ example: '2026-11-23T21:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-11-23T21:00:00.000Z' }) updated_at: string;
}

export class TenantDetailView extends TenantView {
  @ApiProperty({ type: [CredentialSummary] }) credentials: CredentialSummary[];
}

export class TenantList {
  @ApiProperty({ type: [TenantView] }) items: TenantView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next page' })
  next_after: string | null;
}
