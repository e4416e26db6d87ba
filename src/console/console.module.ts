import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConsoleSessionController } from './console-session.controller.js';

/**
 * The ops console (design.md §12): its session endpoints (the sessions themselves are AuthModule's, as
 * inbound authentication). Imported only when CONSOLE=on, so with it off the endpoints answer 404.
 */
@Module({
  imports: [AuthModule],
  controllers: [ConsoleSessionController],
})
export class ConsoleModule {}
