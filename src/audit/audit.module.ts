import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuditedInterceptor } from './audited.interceptor.js';

@Module({
  imports: [MetricsModule],
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, AuditedInterceptor],
  exports: [AuditService, AuditedInterceptor],
})
export class AuditModule {}
