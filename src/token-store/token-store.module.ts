import { Global, Module } from '@nestjs/common';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CredentialsController } from './credentials.controller.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';

/** Global: tenant lifecycle (in TenantsModule) needs credential summaries and revocation. */
@Global()
@Module({
  imports: [ParticleModule, TenantsModule],
  controllers: [CredentialsController],
  providers: [CredentialsRepository, CredentialsService],
  exports: [CredentialsService],
})
export class TokenStoreModule {}
