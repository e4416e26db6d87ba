import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { OutboxModule } from '../notifications/outbox.module.js';
import { OAuthClientRotationService } from './oauth-client-rotation.service.js';
import { OAuthClientsController } from './oauth-clients.controller.js';
import { TenantLifecycleService } from './tenant-lifecycle.service.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsModule } from './tenants.module.js';

/**
 * The tenant and OAuth-client endpoints, and the use cases that reach into credentials: a tenant's
 * detail and deletion (which also takes the tenant off API keys), and rotations (which verify at Particle and call the client's credentials up).
 */
@Module({
  imports: [
    TenantsModule,
    CredentialsModule,
    ParticleModule,
    CryptoModule,
    AuditModule,
    AuthModule,
    OutboxModule,
  ],
  controllers: [TenantsController, OAuthClientsController],
  providers: [TenantLifecycleService, OAuthClientRotationService],
  exports: [OAuthClientRotationService],
})
export class TenantLifecycleModule {}
