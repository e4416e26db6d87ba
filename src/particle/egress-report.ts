import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiBudget } from './api-budget.js';
import { EgressStatusView, egressStatusView } from './egress-status.js';
import { StreamSlots } from './stream-slots.js';
import { TokenEndpointGuard, WINDOW_MS } from './token-endpoint-guard.js';

/** GET /v1/admin/egress and `egress status` alike: every shared budget of the egress as of `now`. */
@Injectable()
export class EgressReport {
  constructor(
    private readonly guard: TokenEndpointGuard,
    private readonly apiBudget: ApiBudget,
    private readonly streams: StreamSlots,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async view(now: Date): Promise<EgressStatusView> {
    const [tokens, api, streams] = await Promise.all([
      this.guard.state(),
      this.apiBudget.usage(now),
      this.streams.usage(now),
    ]);
    const { apiBudget, streamLimit, streamOpenBudget } = this.config.particle;
    const limits = { apiBudget, streamLimit, streamOpenBudget };
    return egressStatusView({ tokens, api, streams }, limits, now, WINDOW_MS);
  }
}
