import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class SignInBody {
  @ApiProperty({ writeOnly: true, description: 'An admin API key; it is not kept, only its hash' })
  @IsString()
  // The characters of a bearer key (ApiKeyGuard's pattern): anything else cannot be one.
  @Matches(/^[A-Za-z0-9._~+/=-]{1,512}$/, { message: 'api_key must be an API key' })
  api_key: string;
}
