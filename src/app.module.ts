import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { Clock, SystemClock } from './common/clock.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { dataSourceOptions } from './database/data-source.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { TenantLifecycleModule } from './tenants/tenant-lifecycle.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { OnboardingModule } from './onboarding/onboarding.module.js';
import { OverviewModule } from './overview/overview.module.js';
import { ProxyModule } from './proxy/proxy.module.js';
import type { StreamTimings } from './proxy/streams/upstream-stream.js';
import { RefreshSchedulerModule } from './refresh-scheduler/refresh-scheduler.module.js';
import { TokenStoreModule } from './token-store/token-store.module.js';

export interface AppRuntime {
  /** The database actually used: `DATABASE_URL`, or the embedded server's URL. */
  databaseUrl: string;
  /** Where JSON logs go (stdout when unset); tests pass a capturing stream. */
  logStream?: DestinationStream;
  clock?: Clock;
  /** The event-stream hub's timings; tests shorten them (design.md §11's otherwise). */
  streamTimings?: StreamTimings;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, runtime: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, runtime.clock ?? new SystemClock()),
        LoggingModule.forRoot(config, runtime.logStream),
        TypeOrmModule.forRoot(dataSourceOptions(runtime.databaseUrl)),
        CryptoModule,
        MetricsModule,
        HealthModule,
        AuditModule,
        AuthModule,
        TenantsModule,
        CredentialsModule,
        TenantLifecycleModule,
        OnboardingModule,
        TokenStoreModule,
        RefreshSchedulerModule,
        NotificationsModule,
        OverviewModule,
        ProxyModule.forRoot(runtime.streamTimings),
        ...(config.console.enabled ? [ConsoleModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
