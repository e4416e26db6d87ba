import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { Clock } from '../common/clock.js';
import { EgressReport } from './egress-report.js';
import { EgressStatusView } from './egress-status.js';
import { TokenEndpointGuard } from './token-endpoint-guard.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/egress')
export class EgressController {
  constructor(
    private readonly guard: TokenEndpointGuard,
    private readonly report: EgressReport,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The shared egress as Particle sees it: the token and API budgets and the breaker',
  })
  @ApiOkResponse({ type: EgressStatusView })
  async status(): Promise<EgressStatusView> {
    return this.report.view(this.clock.now());
  }

  @Post('breaker/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Close an open breaker, after checking with Particle that the IP is not locked out',
  })
  @ApiOkResponse({ type: EgressStatusView })
  @Audited('egress.breaker_reset', { tenant: () => null, target: () => null })
  async resetBreaker(@InTransactionAudit() audit: SuccessAudit): Promise<EgressStatusView> {
    // The row names no tenant, target or detail: it needs nothing of the status answered after it.
    await this.guard.reset(audit);
    return this.status();
  }
}
