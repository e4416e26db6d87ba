import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { ParticleModule } from '../../src/particle/particle.module.js';

/**
 * ParticleModule alone (client, guard, metrics) on a test database and clock, as one "replica": specs of
 * the Particle client and the egress guard start one or several of these beside the Particle fake.
 */
export async function startParticleModule(options: {
  databaseUrl: string;
  particleUrl: string;
  clock: Clock;
  env?: Record<string, string>;
  poolSize?: number;
  logger?: LoggerService;
}): Promise<TestingModule> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: options.databaseUrl,
    PARTICLE_API_URL: options.particleUrl,
    ...options.env,
  });
  const builder = Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config, options.clock),
      TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl, options.poolSize ?? 4)),
      ParticleModule,
    ],
  });
  const moduleRef = await (options.logger ? builder.setLogger(options.logger) : builder).compile();
  await moduleRef.init();
  return moduleRef;
}
