import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OverviewView } from './overview.dto.js';
import { OverviewService } from './overview.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/overview')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  @ApiOperation({
    summary: 'Credentials by status, the at-risk list with reasons, the last sweep, the webhook backlog',
  })
  @ApiOkResponse({ type: OverviewView })
  view(): Promise<OverviewView> {
    return this.overview.view();
  }
}
