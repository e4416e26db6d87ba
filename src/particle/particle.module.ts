import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { OutboxModule } from '../notifications/outbox.module.js';
import { ApiBudget } from './api-budget.js';
import { EgressController } from './egress.controller.js';
import { EgressReport } from './egress-report.js';
import { ParticleApiCallsRepository } from './particle-api-calls.repository.js';
import { ParticleStreamSlotsRepository } from './particle-stream-slots.repository.js';
import { StreamSlots } from './stream-slots.js';
import { ParticleEgressRepository } from './particle-egress.repository.js';
import { ParticleClient } from './particle.client.js';
import { ParticleMetrics } from './particle.metrics.js';
import { TokenEndpointGuard } from './token-endpoint-guard.js';

/**
 * Particle's HTTP client, the token-endpoint guard and the proxy's API budget. Relies on the global providers `APP_CONFIG`,
 * `Clock` (ConfigModule) and the TypeORM `DataSource`.
 */
@Module({
  imports: [
    MetricsModule,
    AuditModule,
    OutboxModule,
    HttpModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        baseURL: config.particle.apiUrl,
        timeout: config.particle.timeoutMs,
        // Particle's API never redirects; following one could replay a login to another host.
        maxRedirects: 0,
        // Every status is an answer to classify, not an exception thrown by axios.
        validateStatus: () => true,
      }),
    }),
  ],
  controllers: [EgressController],
  providers: [
    ParticleClient,
    TokenEndpointGuard,
    ParticleEgressRepository,
    ParticleMetrics,
    ApiBudget,
    ParticleApiCallsRepository,
    EgressReport,
    StreamSlots,
    ParticleStreamSlotsRepository,
  ],
  exports: [ParticleClient, TokenEndpointGuard, ApiBudget, StreamSlots, EgressReport],
})
export class ParticleModule {}
