import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { RefreshSchedulerModule } from '../refresh-scheduler/refresh-scheduler.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { OverviewController } from './overview.controller.js';
import { OverviewService } from './overview.service.js';

/** The ops overview: a read model over credentials, tenants, the sweep and the webhook outbox. */
@Module({
  imports: [CredentialsModule, TenantsModule, RefreshSchedulerModule, NotificationsModule],
  controllers: [OverviewController],
  providers: [OverviewService],
})
export class OverviewModule {}
