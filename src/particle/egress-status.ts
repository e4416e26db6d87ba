import { ApiProperty } from '@nestjs/swagger';
import type { ApiUsage } from './particle-api-calls.repository.js';
import type { StreamUsage } from './particle-stream-slots.repository.js';
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
  @ApiProperty({ type: ApiBudgetView, description: 'Proxied Particle API calls (reserved by replicas)' })
  api_budget: ApiBudgetView;
  @ApiProperty({ type: StreamsView, description: "Upstream event streams of the proxy's hub, all replicas" })
  streams: StreamsView;
  @ApiProperty({
    type: [TenantEgressView],
    description:
      'Every tenant that made or was refused a token or proxied API call in the current window or holds an event stream, the busiest first',
  })
  tenants: TenantEgressView[];
}

/** Limits of the budgets the view reports. */
export interface EgressLimits {
  apiBudget: number;
  streamLimit: number;
  streamOpenBudget: number;
}

export interface EgressUsage {
  tokens: TokenEndpointState;
  api: ApiUsage;
  streams: StreamUsage;
}

export function egressStatusView(
  usage: EgressUsage,
  limits: EgressLimits,
  now: Date,
  windowMs: number,
): EgressStatusView {
  const { tokens: s, api, streams } = usage;
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
    api_budget: { limit: limits.apiBudget, used: api.used, window_seconds: windowMs / 1000 },
    streams: {
      open: streams.open,
      limit: limits.streamLimit,
      opens_used: streams.opensUsed,
      opens_limit: limits.streamOpenBudget,
    },
    tenants: tenantRows(usage),
  };
}

/** One row per tenant seen by either budget, the busiest (token and API calls together) first. */
function tenantRows({ tokens, api, streams }: EgressUsage): EgressStatusView['tenants'] {
  const rows = new Map<string, EgressStatusView['tenants'][number]>();
  const row = (tenantId: string) => {
    let r = rows.get(tenantId);
    if (!r) rows.set(tenantId, (r = { tenant_id: tenantId, token_calls: 0, api_calls: 0, streams: 0 }));
    return r;
  };
  for (const t of tokens.tenants) row(t.tenantId).token_calls = t.calls;
  for (const t of api.tenants) row(t.tenantId).api_calls = t.calls;
  for (const t of streams.tenants) row(t.tenantId).streams = t.streams;
  return [...rows.values()].sort(
    (a, b) =>
      b.token_calls + b.api_calls - (a.token_calls + a.api_calls) || a.tenant_id.localeCompare(b.tenant_id),
  );
}
