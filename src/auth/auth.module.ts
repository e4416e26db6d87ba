import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { Clock } from '../common/clock.js';
import { ApiKeyRateLimitGuard } from './api-key-rate-limit.guard.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { RequestAuthenticator } from './request-authenticator.js';
import { DevAdminKey } from './dev-admin-key.js';
import { SlidingWindowStorage } from './rate-limit.storage.js';

@Module({
  imports: [AuditModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    ConsoleSessionsRepository,
    ConsoleSessionsService,
    RequestAuthenticator,
    DevAdminKey,
    {
      provide: SlidingWindowStorage,
      inject: [Clock],
      useFactory: (clock: Clock) => new SlidingWindowStorage(clock),
    },
    ApiKeyRateLimitGuard,
    // Global guards run in this order: the key is known before it is counted.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useExisting: ApiKeyRateLimitGuard },
  ],
  // The proxy route is served outside Nest's guards and checks keys and limits with these itself; the
  // console's session endpoints open and end sessions through ConsoleSessionsService.
  exports: [ApiKeysService, DevAdminKey, ApiKeyRateLimitGuard, RequestAuthenticator, ConsoleSessionsService],
})
export class AuthModule {}
