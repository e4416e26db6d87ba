import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { AcceptsDigits, AcceptsPositiveInteger } from '../common/lenient-input.js';
import { TENANT_ID_PATTERN } from './tenant-id.js';

/** Particle's own format is `^[a-z0-9-_]{3,40}$` by default, but may differ (UNCONFIRMED): accept a superset. */
const PARTICLE_CLIENT_ID = /^[A-Za-z0-9._-]{3,128}$/;
/** A numeric product id or a product slug (Particle accepts both in paths). */
const PRODUCT_ID = /^([0-9]{1,12}|[a-z0-9][a-z0-9-]{0,99})$/;

export class CreateOAuthClientBody {
  @ApiProperty({
    example: 'acme-fleet',
    description: "The broker's id for this app",
    pattern: TENANT_ID_PATTERN.source,
  })
  @Matches(TENANT_ID_PATTERN, { message: 'id must match ^[a-z0-9][a-z0-9-]{1,62}$' })
  id: string;

  @ApiPropertyOptional({
    example: 'acme',
    nullable: true,
    description: 'Null or absent: shared by all tenants',
  })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN)
  tenant_id?: string | null;

  @ApiProperty({ example: 'acme-fleet-2146', description: "Particle's client id" })
  @Matches(PARTICLE_CLIENT_ID, { message: 'client_id must be 3-128 characters of A-Z a-z 0-9 . _ -' })
  client_id: string;

  @ApiProperty({ example: '615c…', writeOnly: true, description: 'Stored encrypted; never returned' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  client_secret: string;

  @ApiProperty({ enum: ['installed', 'web'], example: 'installed' })
  @IsIn(['installed', 'web'])
  type: 'installed' | 'web';

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'integer', minimum: 1 }],
    example: '12345',
    description:
      'Product id (a number or a numeric string) or slug: a product (two-legged) client; answered as a string',
  })
  @IsOptional()
  @AcceptsPositiveInteger()
  @Matches(PRODUCT_ID, {
    message:
      'product_id must be a product id (a positive integer, as a number or a string) or a product slug',
  })
  product_id?: string;

  @ApiPropertyOptional({
    example: 'https://broker.example.com/oauth/callback',
    description: 'Required for web clients',
  })
  @ValidateIf((o: CreateOAuthClientBody) => o.type === 'web' || o.redirect_uri !== undefined)
  @IsString()
  @MaxLength(2000)
  redirect_uri?: string;
}

export class SecretVersionView {
  @ApiProperty({ example: 1 }) version: number;
  @ApiProperty({ example: 'acme-fleet-2146' }) client_id: string;
  @ApiProperty({ enum: ['active', 'previous', 'retired'] }) state: string;
  @ApiProperty() created_at: string;
  @ApiProperty({ type: String, nullable: true }) retire_after: string | null;
}

export class OAuthClientView {
  @ApiProperty({ example: 'acme-fleet' }) id: string;
  @ApiProperty({ type: String, nullable: true, example: 'acme' }) tenant_id: string | null;
  @ApiProperty({ example: 'acme-fleet-2146' }) client_id: string;
  @ApiProperty({ enum: ['installed', 'web'] }) type: string;
  @ApiProperty({ type: String, nullable: true, example: '12345' }) product_id: string | null;
  @ApiProperty({ type: String, nullable: true }) redirect_uri: string | null;
  @ApiProperty({ enum: ['active', 'invalid'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiProperty({ type: [SecretVersionView] }) secret_versions: SecretVersionView[];
}

export class OAuthClientList {
  @ApiProperty({ type: [OAuthClientView] }) items: OAuthClientView[];
}

export class ListOAuthClientsQuery {
  @ApiPropertyOptional({ example: 'acme' })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN)
  tenant_id?: string;
}

export class RotateSecretBody {
  @ApiPropertyOptional({
    example: 'acme-fleet-2231',
    description: 'A new Particle client id (default: the current one)',
  })
  @IsOptional()
  @Matches(PARTICLE_CLIENT_ID, { message: 'client_id must be 3-128 characters of A-Z a-z 0-9 . _ -' })
  client_id?: string;

  @ApiPropertyOptional({
    writeOnly: true,
    description: 'The new secret (required unless mode is "particle")',
  })
  @ValidateIf((o: RotateSecretBody) => o.mode === undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  client_secret?: string;

  @ApiPropertyOptional({
    example: 86400,
    minimum: 0,
    maximum: 2592000,
    description: 'How long the previous secret stays a fallback',
  })
  @IsOptional()
  @AcceptsDigits()
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  grace_seconds?: number;

  @ApiPropertyOptional({
    enum: ['particle'],
    description: 'The broker creates the new client at Particle with the management credential',
  })
  @IsOptional()
  @IsIn(['particle'])
  mode?: 'particle';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  management_credential_id?: string;
}
