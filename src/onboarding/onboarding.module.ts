import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ConnectSessionsController } from './connect-sessions.controller.js';
import { ConnectSessionsRepository } from './connect-sessions.repository.js';
import { ConnectSessionsService } from './connect-sessions.service.js';
import { ConnectController } from './connect.controller.js';
import { CredentialOnboardingService } from './credential-onboarding.service.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';
import { OnboardingController } from './onboarding.controller.js';

/**
 * Outbound logins that create credentials: the authorization-code connect flow, password + MFA,
 * client credentials and token import. The credentials they make are stored through CredentialsModule.
 */
@Module({
  imports: [TenantsModule, CredentialsModule, ParticleModule, CryptoModule, AuditModule],
  controllers: [OnboardingController, ConnectSessionsController, ConnectController],
  providers: [
    CredentialOnboardingService,
    ConnectSessionsRepository,
    ConnectSessionsService,
    MfaChallengesRepository,
  ],
})
export class OnboardingModule {}
