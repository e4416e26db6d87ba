import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { OAuthClientsService } from './oauth-clients.service.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

/**
 * Tenants and their OAuth clients as stored: the rows, secret versions, and the client a renewal uses.
 * Below credentials; what spans both (a tenant's deletion, a client's rotation) is TenantLifecycleModule.
 */
@Module({
  imports: [CryptoModule],
  providers: [TenantsRepository, TenantsService, OAuthClientsRepository, OAuthClientsService],
  exports: [TenantsService, OAuthClientsService, OAuthClientsRepository],
})
export class TenantsModule {}
