import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos-run.js';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 30);

describe('chaos: Particle faults under load on several replicas', () => {
  it(`holds for ${SECONDS} s`, async () => {
    const timeoutMs = 1000;
    const report = await runChaos({
      seconds: SECONDS,
      replicas: 3,
      tenants: 6,
      callers: 24,
      timeoutMs,
      rates: { status500: 0.3, status429: 0.1, timeout: 0.1, slow: 0.2 },
    });
    console.log(JSON.stringify(report, null, 2));
    expect(report.unclean).toEqual([]);
    expect(report.cachedFailed).toBe(0);
    expect(report.cachedOk).toBeGreaterThan(0);
    expect(report.maxConsecutiveFailures).toBeLessThan(10);
    expect(report.tokenCalls).toBeLessThanOrEqual(100);
    // A renewal waits for Particle at most PARTICLE_TIMEOUT_MS; callers queued behind it a bit longer.
    expect(report.slowest).toBeLessThan(timeoutMs * 3 + 2000);
  }, 600_000);
});
