import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited } from '../audit/audited.interceptor.js';
import { RefreshSchedulerService, SweepResult } from './refresh-scheduler.service.js';

class SweepResultView implements SweepResult {
  @ApiProperty({ example: 12 }) claimed: number;
  @ApiProperty({ example: 11 }) renewed: number;
  @ApiProperty({ example: 1 }) failed: number;
  @ApiProperty({ example: 0 }) skipped: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/refresh-runs')
export class RefreshRunsController {
  constructor(private readonly scheduler: RefreshSchedulerService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Run one refresh sweep now (for an external cron); answers when it is done' })
  @ApiOkResponse({ type: SweepResultView })
  // The one admin action whose row is written after it: a sweep is many renewals, each committed (and
  // audited) on its own after a call to Particle that rotated tokens there, so there is no single change
  // to roll back; a failed write of this summary row still answers the caller an error.
  @Audited('refresh.run', { tenant: () => null, target: () => null, details: (c) => ({ ...c.result }) })
  run(@Req() request: FastifyRequest): Promise<SweepResult> {
    return this.scheduler.sweep(request.id);
  }
}
