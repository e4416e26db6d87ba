import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/chaos-run.js';

describe('chaos subset (npm run test:chaos runs the long version)', () => {
  it('keeps serving cached tokens and fails cleanly while Particle misbehaves', async () => {
    const timeoutMs = 800;
    const report = await runChaos({
      seconds: 4,
      replicas: 2,
      tenants: 3,
      callers: 8,
      timeoutMs,
      rates: { status500: 0.4, status429: 0.1, timeout: 0.1, slow: 0.2 },
    });
    expect(report.unclean).toEqual([]);
    expect(report.cachedFailed).toBe(0);
    expect(report.cachedOk).toBeGreaterThan(0);
    expect(report.maxConsecutiveFailures).toBeLessThan(10);
    expect(report.tokenCalls).toBeLessThanOrEqual(100);
    expect(report.slowest).toBeLessThan(timeoutMs * 3 + 2000);
  }, 120_000);
});
