import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TENANT_ID_PATTERN } from '../tenants/tenant-id.js';

export class CreateConnectSessionBody {
  @ApiProperty({
    example: 'acme-web',
    description: 'A `web` OAuth client with redirect_uri = <BROKER_PUBLIC_URL>/oauth/callback',
  })
  @Matches(TENANT_ID_PATTERN, { message: 'oauth_client_id must match ^[a-z0-9][a-z0-9-]{1,62}$' })
  oauth_client_id: string;

  @ApiPropertyOptional({
    example: 'https://console.acme.example/particle/connected',
    description:
      'Where the person is sent afterwards (with connect=success|denied): BROKER_PUBLIC_URL’s origin or BROKER_RETURN_ORIGINS',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  return_to?: string;
}

export class ConnectSessionView {
  @ApiProperty({ description: 'The one-time link for the tenant’s person; shown once, stored only hashed' })
  url: string;

  @ApiProperty({ example: '2030-01-01T00:10:00.000Z' })
  expires_at: string;
}
