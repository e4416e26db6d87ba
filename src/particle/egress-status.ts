import { ApiProperty } from '@nestjs/swagger';
import type { TokenEndpointState } from './token-endpoint-guard.js';

class TokenBudgetView {
  @ApiProperty({ example: 80, description: 'PARTICLE_TOKEN_BUDGET' }) limit: number;
  @ApiProperty({ example: 12, description: 'Token calls in the current window, all replicas' }) used: number;
  @ApiProperty({ example: 300 }) window_seconds: number;
  @ApiProperty({ example: 0, description: 'Seconds until a call is admitted again (0: now)' })
  retry_after_seconds: number;
}

class BreakerView {
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] }) state: 'closed' | 'open' | 'half_open';
  @ApiProperty({ example: 0 }) consecutive_failures: number;
  @ApiProperty({ type: String, nullable: true, example: null }) open_until: string | null;
}

class ApiBudgetView {
  @ApiProperty({ example: 8000 }) limit: number;
  @ApiProperty({ example: 0 }) used: number;
  @ApiProperty({ example: 300 }) window_seconds: number;
}

class StreamsView {
  @ApiProperty({ example: 0 }) open: number;
  @ApiProperty({ example: 80 }) limit: number;
  @ApiProperty({ example: 0 }) opens_used: number;
  @ApiProperty({ example: 80 }) opens_limit: number;
}

class TenantEgressView {
  @ApiProperty({ example: 'acme' }) tenant_id: string;
  @ApiProperty({ example: 3, description: 'Token calls admitted in the current window (0: only refused)' })
  token_calls: number;
  @ApiProperty({ example: 0 }) api_calls: number;
  @ApiProperty({ example: 0 }) streams: number;
}

export class EgressStatusView {
  @ApiProperty({ type: TokenBudgetView }) token_budget: TokenBudgetView;
  @ApiProperty({ type: BreakerView }) breaker: BreakerView;
  @ApiProperty({ type: ApiBudgetView, description: 'The proxy (not built yet): always 0 used' })
  api_budget: ApiBudgetView;
  @ApiProperty({ type: StreamsView, description: 'The event-stream hub (not built yet): always 0' })
  streams: StreamsView;
  @ApiProperty({
    type: [TenantEgressView],
    description:
      'Every tenant that made or was refused a token call in the current window, the busiest first (api_calls and streams: 0 until the proxy and the stream hub exist)',
  })
  tenants: TenantEgressView[];
}

/** Defaults of design.md §7 for the budgets whose users (the proxy, the stream hub) are not built yet. */
const API_BUDGET = 8000;
const STREAM_LIMIT = 80;

export function egressStatusView(s: TokenEndpointState, now: Date, windowMs: number): EgressStatusView {
  const seconds = (at: Date | null) =>
    at ? Math.max(0, Math.ceil((at.getTime() - now.getTime()) / 1000)) : 0;
  const breakerWait = s.breaker === 'open' ? seconds(s.retryAt) : 0;
  return {
    token_budget: {
      limit: s.budget,
      used: s.budgetUsed,
      window_seconds: windowMs / 1000,
      retry_after_seconds: Math.max(seconds(s.budgetRetryAt), breakerWait),
    },
    breaker: {
      state: s.breaker,
      consecutive_failures: s.consecutiveFailures,
      open_until: s.breaker === 'closed' ? null : (s.retryAt?.toISOString() ?? null),
    },
    api_budget: { limit: API_BUDGET, used: 0, window_seconds: windowMs / 1000 },
    streams: { open: 0, limit: STREAM_LIMIT, opens_used: 0, opens_limit: STREAM_LIMIT },
    tenants: s.tenants.map((t) => ({
      tenant_id: t.tenantId,
      token_calls: t.calls,
      api_calls: 0,
      streams: 0,
    })),
  };
}
