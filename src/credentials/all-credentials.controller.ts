import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CredentialPage, CredentialsQuery } from './credentials.dto.js';
import { CredentialsService } from './credentials.service.js';

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('v1/credentials')
export class AllCredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get()
  @ApiOperation({
    summary: 'Credentials of every tenant, filtered; page with `after` = the previous `next_after`',
  })
  @ApiOkResponse({ type: CredentialPage })
  list(@Query() q: CredentialsQuery): Promise<CredentialPage> {
    return this.credentials.page(q);
  }
}
