import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, isUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { AcceptsDigits, integerFromDigits } from '../common/lenient-input.js';
import type { FieldErrors } from '../common/validation.js';

const MAX_MIN_TTL_SECONDS = 86_400;
const MAX_CUSTOMER_LENGTH = 254;
const NO_SPACES = /^[^\s]+$/;
const KNOWN = new Set(['min_ttl_seconds', 'customer', 'credential_id']);

/**
 * The token endpoint is the hot path: its body is checked by `checkPlain` (see common/validation.ts), not
 * by class-validator. The decorators describe the same rules for the OpenAPI document; keep both in step.
 */
export class IssueTokenBody {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    default: 300,
    description: 'The token must stay valid this long',
  })
  @IsOptional()
  @AcceptsDigits()
  @IsInt()
  @Min(0)
  @Max(MAX_MIN_TTL_SECONDS)
  min_ttl_seconds?: number;

  @ApiPropertyOptional({
    example: 'jane@example.com',
    description: 'A customer-scoped token (scope customer=<customer>)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CUSTOMER_LENGTH)
  @Matches(NO_SPACES, { message: 'customer must not contain spaces' })
  customer?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "A specific credential; default: the tenant's best one",
  })
  @IsOptional()
  @IsUUID()
  credential_id?: string;

  /**
   * The rules of the decorators above, with class-validator's messages; like `@AcceptsDigits`, it reads a
   * `min_ttl_seconds` of digits into the number in place, so the issuer only ever sees numbers.
   */
  static checkPlain(body: Record<string, unknown>): FieldErrors[] {
    const errors: FieldErrors[] = [];
    for (const field in body) {
      if (!KNOWN.has(field)) errors.push({ field, messages: [`property ${field} should not exist`] });
    }
    if (typeof body.min_ttl_seconds === 'string')
      body.min_ttl_seconds = integerFromDigits(body.min_ttl_seconds);
    const ttl = body.min_ttl_seconds;
    if (ttl !== undefined && ttl !== null) {
      const messages: string[] = [];
      if (!Number.isInteger(ttl)) messages.push('min_ttl_seconds must be an integer number');
      if (typeof ttl !== 'number' || !(ttl >= 0)) messages.push('min_ttl_seconds must not be less than 0');
      if (typeof ttl !== 'number' || !(ttl <= MAX_MIN_TTL_SECONDS)) {
        messages.push(`min_ttl_seconds must not be greater than ${MAX_MIN_TTL_SECONDS}`);
      }
      if (messages.length > 0) errors.push({ field: 'min_ttl_seconds', messages });
    }
    const customer = body.customer;
    if (customer !== undefined && customer !== null) {
      const messages: string[] = [];
      if (typeof customer !== 'string') messages.push('customer must be a string');
      if (typeof customer !== 'string' || customer.length > MAX_CUSTOMER_LENGTH) {
        messages.push(`customer must be shorter than or equal to ${MAX_CUSTOMER_LENGTH} characters`);
      }
      if (typeof customer !== 'string' || !NO_SPACES.test(customer)) {
        messages.push('customer must not contain spaces');
      }
      if (messages.length > 0) errors.push({ field: 'customer', messages });
    }
    const credentialId = body.credential_id;
    if (credentialId !== undefined && credentialId !== null) {
      if (!isUUID(credentialId)) {
        errors.push({ field: 'credential_id', messages: ['credential_id must be a UUID'] });
      }
    }
    return errors;
  }
}

export class IssuedTokenView {
  @ApiProperty({ example: '254406f79c1999af65a7df4388971354f85cfee9' }) access_token: string;
  @ApiProperty({ enum: ['bearer'] }) token_type: 'bearer';
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-23T22:00:00.000Z',
    description: 'null: never expires',
  })
  expires_at: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 3599 }) expires_in: number | null;
  @ApiProperty({ example: 'acme' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) credential_id: string;
  @ApiProperty({ type: String, nullable: true }) scope: string | null;
}
