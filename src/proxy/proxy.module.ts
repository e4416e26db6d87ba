import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ParticleModule } from '../particle/particle.module.js';
import { TokenStoreModule } from '../token-store/token-store.module.js';
import { ParticleProxy } from './particle-proxy.js';
import { ProxyCaller } from './proxy-caller.js';
import { ProxyMetrics } from './proxy.metrics.js';
import { ProxyRecorder } from './proxy-recorder.js';
import { EventStreamHub, STREAM_TIMINGS } from './streams/event-stream-hub.js';
import { DEFAULT_TIMINGS, StreamTimings } from './streams/upstream-stream.js';

/** The Particle API proxy and its event-stream hub (design.md §11): callers never hold a Particle token. */
@Module({})
export class ProxyModule {
  /** `timings`: the hub's keep-alive, linger and backoff (design.md §11 unless a test shortens them). */
  static forRoot(timings: StreamTimings = DEFAULT_TIMINGS): DynamicModule {
    return {
      module: ProxyModule,
      imports: [AuthModule, TokenStoreModule, ParticleModule, AuditModule, MetricsModule],
      providers: [
        ParticleProxy,
        ProxyCaller,
        ProxyMetrics,
        ProxyRecorder,
        EventStreamHub,
        { provide: STREAM_TIMINGS, useValue: timings },
      ],
      exports: [ParticleProxy],
    };
  }
}
