import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { AppConfig } from './config.js';

/** Injection token of the frozen {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Global: the configuration and the clock are the environment every module runs in. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, clock: Clock): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [APP_CONFIG, Clock],
    };
  }
}
