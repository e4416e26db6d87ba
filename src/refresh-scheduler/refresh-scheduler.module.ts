import { Module } from '@nestjs/common';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CredentialLeasesRepository } from './credential-leases.repository.js';
import { CredentialRenewalStep } from './credential-renewal.step.js';
import { RefreshRunsController } from './refresh-runs.controller.js';
import { RefreshSchedulerService } from './refresh-scheduler.service.js';
import { RefreshMetrics } from './refresh.metrics.js';

@Module({
  imports: [ParticleModule, TenantsModule],
  controllers: [RefreshRunsController],
  providers: [CredentialLeasesRepository, CredentialRenewalStep, RefreshSchedulerService, RefreshMetrics],
  exports: [RefreshSchedulerService],
})
export class RefreshSchedulerModule {}
