import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export class IssueTokenBody {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    default: 300,
    description: 'The token must stay valid this long',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  min_ttl_seconds?: number;

  @ApiPropertyOptional({
    example: 'jane@example.com',
    description: 'A customer-scoped token (scope customer=<customer>)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(/^[^\s]+$/, { message: 'customer must not contain spaces' })
  customer?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "A specific credential; default: the tenant's best one",
  })
  @IsOptional()
  @IsUUID()
  credential_id?: string;
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
