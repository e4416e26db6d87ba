import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { ConnectSessionsController } from './connect-sessions.controller.js';
import { ConnectSessionsRepository } from './connect-sessions.repository.js';
import { ConnectSessionsService } from './connect-sessions.service.js';
import { ConnectController } from './connect.controller.js';
import { CredentialOnboardingService } from './credential-onboarding.service.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';
import { OnboardingController } from './onboarding.controller.js';

@Global()
@Module({
  imports: [ParticleModule, TenantsModule],
  controllers: [ApiKeysController, OnboardingController, ConnectSessionsController, ConnectController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    MfaChallengesRepository,
    CredentialOnboardingService,
    ConnectSessionsRepository,
    ConnectSessionsService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
