import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantLifecycleModule } from '../tenants/tenant-lifecycle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CronScheduler } from './cron.scheduler.js';
import { RefreshRunsController } from './refresh-runs.controller.js';
import { RefreshSchedulerService } from './refresh-scheduler.service.js';
import { RefreshSweepsRepository } from './refresh-sweeps.repository.js';
import { RefreshMetrics } from './refresh.metrics.js';

@Module({
  imports: [
    CredentialsModule,
    ParticleModule,
    TenantsModule,
    TenantLifecycleModule,
    AuditModule,
    MetricsModule,
  ],
  controllers: [RefreshRunsController],
  providers: [RefreshSchedulerService, RefreshSweepsRepository, RefreshMetrics, CronScheduler],
  exports: [RefreshSchedulerService],
})
export class RefreshSchedulerModule {}
