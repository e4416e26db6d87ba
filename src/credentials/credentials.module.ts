import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { DatabaseNotificationsModule } from '../database/database-notifications.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CredentialChangesListener } from './credential-changes.listener.js';
import { CredentialMetrics } from './credential.metrics.js';
import { CredentialRenewalService } from './credential-renewal.service.js';
import { CredentialRenewalStep } from './credential-renewal.step.js';
import { CredentialRenewer } from './credential-renewer.service.js';
import { AllCredentialsController } from './all-credentials.controller.js';
import { CredentialForcedRenewal } from './credential-forced-renewal.service.js';
import { CredentialRenewalsController } from './credential-renewals.controller.js';
import { CredentialsController } from './credentials.controller.js';
import { CredentialCountsRepository } from './credential-counts.repository.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';
import { CustomerCredentials } from './customer-credentials.service.js';

/**
 * The one home of the `credentials` table: its repository (the only writer), the renewal protocol and
 * policy, and the status transitions. Issuing, the sweep, onboarding, rotations and tenant deletion all
 * go through the services exported here.
 */
@Module({
  imports: [
    TenantsModule,
    ParticleModule,
    CryptoModule,
    AuditModule,
    MetricsModule,
    DatabaseNotificationsModule,
  ],
  controllers: [CredentialsController, AllCredentialsController, CredentialRenewalsController],
  providers: [
    CredentialsRepository,
    CredentialCountsRepository,
    CredentialsService,
    CredentialForcedRenewal,
    CredentialRenewer,
    CredentialRenewalService,
    CredentialRenewalStep,
    CustomerCredentials,
    CredentialChangesListener,
    CredentialMetrics,
  ],
  exports: [
    CredentialsService,
    CredentialRenewalService,
    CredentialRenewalStep,
    CustomerCredentials,
    CredentialChangesListener,
  ],
})
export class CredentialsModule {}
