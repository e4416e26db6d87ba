import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { ConnectSessionsController } from './connect-sessions.controller.js';
import { ConnectSessionsRepository } from './connect-sessions.repository.js';
import { ConnectSessionsService } from './connect-sessions.service.js';
import { ConnectController } from './connect.controller.js';
import { CredentialOnboardingService } from './credential-onboarding.service.js';
import { DevAdminKey } from './dev-admin-key.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';
import { OnboardingController } from './onboarding.controller.js';
import { SlidingWindowStorage } from './rate-limit.storage.js';

@Global()
@Module({
  imports: [
    ParticleModule,
    TenantsModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, Clock],
      useFactory: (config: AppConfig, clock: Clock) => ({
        throttlers: [{ name: 'per-key', ttl: 60_000, limit: config.rateLimitPerMinute }],
        // Retry-After comes with the 429 problem; X-RateLimit-* on every answer is not worth its cost.
        setHeaders: false,
        skipIf: () => config.rateLimitPerMinute === 0,
        storage: new SlidingWindowStorage(clock),
      }),
    }),
  ],
  controllers: [ApiKeysController, OnboardingController, ConnectSessionsController, ConnectController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    MfaChallengesRepository,
    CredentialOnboardingService,
    DevAdminKey,
    ConnectSessionsRepository,
    ConnectSessionsService,
    // Global guards run in this order: the key is known before it is counted.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
  ],
  exports: [ApiKeysService, DevAdminKey],
})
export class AuthModule {}
