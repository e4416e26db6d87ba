import type { StreamSettings } from './event-hub.js';
import { TokenEndpointLimiter } from './token-limiter.js';
import type { ParticleFakeOptions } from './types.js';
import { WindowBudget } from './window-budget.js';

const FIVE_MINUTES_MS = 5 * 60 * 1000;

export interface FakeLimits {
  token: TokenEndpointLimiter;
  api: WindowBudget;
  streams: StreamSettings;
}

/** §0.3 / §10 / §16: Particle's documented per-IP limits are the defaults, except the general one. */
export function limitsFrom(options: ParticleFakeOptions, now: () => number): FakeLimits {
  return {
    token: new TokenEndpointLimiter(
      {
        tokenBudget: options.tokenBudget ?? 100,
        budgetWindowMs: options.budgetWindowMs ?? FIVE_MINUTES_MS,
        lockoutFailures: options.lockoutFailures ?? 10,
        lockoutMs: options.lockoutMs ?? 30 * 60 * 1000,
      },
      now,
    ),
    // Off unless asked for: see ParticleFakeOptions.apiBudget.
    api: new WindowBudget(options.apiBudget ?? Infinity, options.apiWindowMs ?? FIVE_MINUTES_MS, now),
    streams: {
      keepAliveMs: options.keepAliveMs ?? 60_000,
      maxOpen: options.streamLimit ?? 100,
      openBudget: options.streamOpenBudget ?? 100,
      openWindowMs: options.streamWindowMs ?? FIVE_MINUTES_MS,
    },
  };
}
