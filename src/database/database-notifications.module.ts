import { Module } from '@nestjs/common';
import { DatabaseNotifications } from './database-notifications.js';

/** The replica's one LISTEN connection, for every module that reacts to NOTIFYs (credentials, webhooks). */
@Module({
  providers: [DatabaseNotifications],
  exports: [DatabaseNotifications],
})
export class DatabaseNotificationsModule {}
