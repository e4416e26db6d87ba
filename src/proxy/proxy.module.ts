import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { TokenStoreModule } from '../token-store/token-store.module.js';
import { ParticleProxy } from './particle-proxy.js';
import { ProxyCaller } from './proxy-caller.js';
import { ProxyMetrics } from './proxy.metrics.js';

/** The Particle API proxy (design.md §11): callers reach the device cloud without holding a token. */
@Module({
  imports: [AuthModule, TokenStoreModule, ParticleModule, AuditModule, MetricsModule],
  providers: [ParticleProxy, ProxyCaller, ProxyMetrics],
  exports: [ParticleProxy],
})
export class ProxyModule {}
