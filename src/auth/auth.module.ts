import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { ThrottlerModule } from '@nestjs/throttler';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { DevAdminKey } from './dev-admin-key.js';
import { SlidingWindowStorage } from './rate-limit.storage.js';

@Module({
  imports: [
    AuditModule,
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
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    DevAdminKey,
    // Global guards run in this order: the key is known before it is counted.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
  ],
  exports: [ApiKeysService, DevAdminKey],
})
export class AuthModule {}
