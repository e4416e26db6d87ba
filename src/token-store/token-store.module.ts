import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CredentialChangesListener } from '../credentials/credential-changes.listener.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { TokenIssuerService } from './token-issuer.service.js';
import { TokenMetrics } from './token.metrics.js';
import { TokenCache } from './token-cache.js';
import { TokensController } from './tokens.controller.js';

@Module({
  imports: [CredentialsModule, TenantsModule, CryptoModule, AuditModule, MetricsModule],
  controllers: [TokensController],
  providers: [
    TokenIssuerService,
    TokenMetrics,
    {
      provide: TokenCache,
      inject: [CredentialChangesListener],
      // Every credential change on any replica evicts the tenant's cached tokens here.
      useFactory: (changes: CredentialChangesListener) => {
        const cache = new TokenCache();
        changes.subscribe(cache);
        return cache;
      },
    },
  ],
  // The proxy injects tokens it obtains here; it never hands one out.
  exports: [TokenIssuerService],
})
export class TokenStoreModule {}
