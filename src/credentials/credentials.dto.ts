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
import { AcceptsDigits } from '../common/lenient-input.js';
import type { FieldErrors } from '../common/validation.js';
import { TENANT_ID_PATTERN } from '../tenants/tenant-id.js';

const KINDS = ['client_credentials', 'password', 'token'] as const;
const is =
  (...kinds: string[]) =>
  (o: CreateCredentialBody) =>
    kinds.includes(o.kind);

/** One body for every kind (design.md §6); which fields apply depends on `kind`. */
export class CreateCredentialBody {
  @ApiProperty({ enum: KINDS, description: '`authorization_code` credentials come from a connect session' })
  @IsIn(KINDS)
  kind: (typeof KINDS)[number];

  @ApiPropertyOptional({
    example: 'acme-fleet',
    description: 'client_credentials (required), password (optional)',
  })
  @ValidateIf((o: CreateCredentialBody) => o.kind === 'client_credentials' || o.oauth_client_id !== undefined)
  @Matches(TENANT_ID_PATTERN)
  oauth_client_id?: string;

  @ApiPropertyOptional({
    example: 'customer=jane@example.com',
    description: 'client_credentials: a customer scope',
  })
  @IsOptional()
  @ValidateIf(is('client_credentials'))
  @Matches(/^customer=[^\s]{1,254}$/, { message: 'scope must be customer=<email or id>' })
  scope?: string;

  @ApiPropertyOptional({ example: 'ops@acme.com', description: 'password' })
  @ValidateIf(is('password'))
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  username?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'password: used once for the login, never stored' })
  @ValidateIf(is('password'))
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional({
    example: 7776000,
    description: 'password: token lifetime asked of Particle (0 = never expires)',
  })
  @IsOptional()
  @ValidateIf(is('password'))
  @AcceptsDigits()
  @IsInt()
  @Min(0)
  @Max(10 * 365 * 24 * 3600)
  expires_in?: number;

  @ApiPropertyOptional({ writeOnly: true, description: 'token: an existing Particle access token to import' })
  @ValidateIf(is('token'))
  @IsString()
  @Matches(/^[A-Za-z0-9._~+/=-]{8,512}$/, { message: 'access_token is not a token' })
  access_token?: string;
}

export class MfaBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  challenge_id: string;

  @ApiProperty({ example: '123456', writeOnly: true })
  // A number is refused, not read: 012345 would arrive as 12345, a different code.
  @IsString({ message: 'otp must be a string (as a number it would lose its leading zeros)' })
  @Matches(/^[0-9A-Za-z]{4,16}$/, { message: 'otp must be the code from the authenticator app' })
  otp: string;
}

export class CredentialView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) tenant_id: string;
  @ApiProperty({ enum: ['client_credentials', 'authorization_code', 'password', 'token'] }) kind: string;
  @ApiProperty({ enum: ['active', 'expiring', 'needs_reauth', 'failing', 'revoked'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) scope: string | null;
  @ApiProperty({ type: String, nullable: true }) oauth_client_id: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'null: never expires' }) access_expires_at:
    string | null;
  @ApiProperty({ type: String, nullable: true }) refresh_expires_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_renewed_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
}

export class CredentialList {
  @ApiProperty({ type: [CredentialView] }) items: CredentialView[];
}

const ALL_KINDS = ['client_credentials', 'authorization_code', 'password', 'token'] as const;
const STATUSES = ['active', 'expiring', 'needs_reauth', 'failing', 'revoked'] as const;

/** GET /v1/credentials: every filter optional; `after` is the `next_after` of the previous page. */
export class CredentialsQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ enum: ALL_KINDS })
  @IsOptional()
  @IsIn(ALL_KINDS)
  kind?: (typeof ALL_KINDS)[number];

  @ApiPropertyOptional({ example: 'acme' })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN, { message: 'tenant_id must match ^[a-z0-9][a-z0-9-]{1,62}$' })
  tenant_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  // Digits only, as lenient-input reads numbers elsewhere: "2.0", "1e2" and " 2" are refused, not guessed.
  @AcceptsDigits()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: `next_after` of the previous page' })
  @IsOptional()
  @IsUUID(undefined, { message: 'after must be the next_after of a previous page' })
  after?: string;
}

export class CredentialPage {
  @ApiProperty({ type: [CredentialView] }) items: CredentialView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next page' })
  next_after: string | null;
}

/** POST .../renewals takes no fields: no body, or an empty JSON object (see common/validation.ts). */
export class RenewalBody {
  static checkPlain(value: Record<string, unknown>): FieldErrors[] {
    return Object.keys(value).map((field) => ({ field, messages: [`property ${field} should not exist`] }));
  }
}

export class MfaRequiredView {
  @ApiProperty({ enum: ['mfa_required'] }) status: 'mfa_required';
  @ApiProperty({ format: 'uuid' }) challenge_id: string;
  @ApiProperty() expires_at: string;
}
