import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../database/data-source.js';

@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  /** The process is up; says nothing about its dependencies (a liveness probe must not restart us for a DB outage). */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to serve: the database answers and every migration this build knows is applied. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | object> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: 2000 }),
        async () => {
          const session = this.indicators.check('migrations');
          const pending = await pendingMigrations(this.dataSource).catch(() => ['(unreadable)']);
          return pending.length === 0 ? session.up() : session.down({ pending });
        },
      ]);
    } catch (err) {
      // Terminus's own body is what probes and dashboards expect; keep it rather than problem+json.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      void reply.status(503).header('Cache-Control', 'no-store');
      return err.getResponse() as object;
    }
  }
}
