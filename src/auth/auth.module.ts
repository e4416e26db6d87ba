import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { CredentialOnboardingService } from './credential-onboarding.service.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';
import { OnboardingController } from './onboarding.controller.js';

@Global()
@Module({
  imports: [ParticleModule, TenantsModule],
  controllers: [ApiKeysController, OnboardingController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    MfaChallengesRepository,
    CredentialOnboardingService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
