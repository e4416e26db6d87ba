import { Module } from '@nestjs/common';
import { ParticleModule } from '../particle/particle.module.js';
import { OAuthClientRotationService } from './oauth-client-rotation.service.js';
import { OAuthClientsController } from './oauth-clients.controller.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { OAuthClientsService } from './oauth-clients.service.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

@Module({
  imports: [ParticleModule],
  controllers: [TenantsController, OAuthClientsController],
  providers: [
    TenantsRepository,
    TenantsService,
    OAuthClientsRepository,
    OAuthClientsService,
    OAuthClientRotationService,
  ],
  exports: [TenantsService, OAuthClientsService, OAuthClientRotationService],
})
export class TenantsModule {}
