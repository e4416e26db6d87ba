import { Global, Module } from '@nestjs/common';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CredentialChangesListener } from './credential-changes.listener.js';
import { CredentialRenewer } from './credential-renewer.service.js';
import { CredentialsController } from './credentials.controller.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';
import { CustomerCredentials } from './customer-credentials.service.js';
import { TokenIssuerService } from './token-issuer.service.js';
import { TokenMetrics } from './token.metrics.js';
import { TokenCache } from './token-cache.js';
import { TokensController } from './tokens.controller.js';

/** Global: tenant lifecycle (in TenantsModule) needs credential summaries and revocation. */
@Global()
@Module({
  imports: [ParticleModule, TenantsModule],
  controllers: [CredentialsController, TokensController],
  providers: [
    CredentialsRepository,
    CredentialsService,
    CredentialRenewer,
    CustomerCredentials,
    TokenIssuerService,
    TokenMetrics,
    CredentialChangesListener,
    { provide: TokenCache, useFactory: () => new TokenCache() },
  ],
  exports: [CredentialsService, CredentialRenewer, CredentialsRepository],
})
export class TokenStoreModule {}
