import { DynamicModule, Global, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/config.js';
import { AppLogger, createRootLogger } from './app-logger.js';

@Global()
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: AppLogger, useFactory: () => new AppLogger(createRootLogger(config, stream)) }],
      exports: [AppLogger],
    };
  }
}
