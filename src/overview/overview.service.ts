import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { WebhooksService } from '../notifications/webhooks.service.js';
import { RefreshSchedulerService } from '../refresh-scheduler/refresh-scheduler.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { CredentialCountsView, OverviewView } from './overview.dto.js';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** GET /v1/admin/overview: which tenants need attention and why, at a glance (design.md §6, §12). */
@Injectable()
export class OverviewService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly credentials: CredentialsService,
    private readonly scheduler: RefreshSchedulerService,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
  ) {}

  async view(): Promise<OverviewView> {
    const now = this.clock.now();
    const [tenants, counts, atRisk, lastSweep, overdue, webhooks] = await Promise.all([
      this.tenants.count(),
      this.credentials.countByStatus(),
      this.credentials.atRisk(),
      this.scheduler.lastSweep(),
      this.credentials.oldestOverdueSeconds(now),
      this.webhooks.backlog(),
    ]);
    const credentials: CredentialCountsView = {
      active: 0,
      expiring: 0,
      failing: 0,
      needs_reauth: 0,
      revoked: 0,
    };
    for (const { status, n } of counts)
      if (status in credentials) credentials[status as keyof CredentialCountsView] = n;
    return {
      tenants,
      credentials,
      at_risk: atRisk.map((r) => ({
        tenant_id: r.tenantId,
        credential_id: r.id,
        kind: r.kind,
        status: r.status,
        reason: r.reason,
        action: r.action,
        since: new Date(r.statusSince).toISOString(),
        access_expires_at: iso(r.accessExpiresAt),
        last_error: r.lastError,
      })),
      last_sweep: lastSweep
        ? {
            at: new Date(lastSweep.at).toISOString(),
            claimed: lastSweep.claimed,
            renewed: lastSweep.renewed,
            failed: lastSweep.failed,
          }
        : null,
      oldest_overdue_seconds: Math.floor(overdue),
      webhooks,
    };
  }
}
