import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { API_KEY_ROLES, ApiKeyRole } from './api-key.entity.js';
import { AcceptsDigits, AcceptsSingleString } from '../common/lenient-input.js';
import { TENANT_OR_WILDCARD } from '../tenants/tenant-id.js';

export class CreateApiKeyBody {
  @ApiProperty({ example: 'fleet-service (prod)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: API_KEY_ROLES, example: 'service' })
  @IsIn(API_KEY_ROLES)
  role: ApiKeyRole;

  @ApiProperty({
    type: [String],
    example: ['acme', 'globex'],
    description: '`["*"]` for every tenant; a single string is read as a list of one',
  })
  @AcceptsSingleString()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Matches(TENANT_OR_WILDCARD, { each: true, message: 'each tenant must be a tenant id or "*"' })
  tenants: string[];

  @ApiPropertyOptional({ example: '2027-06-30T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string;
}

export class ApiKeyView {
  @ApiProperty({ example: '6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62' }) id: string;
  @ApiProperty({ example: 'fleet-service (prod)' }) name: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role: string;
  @ApiProperty({ type: [String], example: ['acme'] }) tenants: string[];
  @ApiProperty({ example: 'ptb_Xk3v9QzA', description: 'The first characters of the key, to recognise it' })
  key_prefix: string;
  @ApiProperty({ type: String, nullable: true }) expires_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_used_at: string | null;
  @ApiProperty() created_at: string;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ example: 'ptb_Xk3v9QzA…', description: 'The key itself: shown once, never again' })
  key: string;
}

export class ApiKeyList {
  @ApiProperty({ type: [ApiKeyView] }) items: ApiKeyView[];
}

export class RotateApiKeyBody {
  @ApiPropertyOptional({
    example: 3600,
    minimum: 0,
    maximum: 2592000,
    default: 0,
    description: 'How long the old key keeps working',
  })
  @IsOptional()
  @AcceptsDigits()
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  grace_seconds?: number;
}
