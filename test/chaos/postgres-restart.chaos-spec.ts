import { describe, expect, it } from 'vitest';
import { runPostgresRestart } from './postgres-restart-run.js';

describe('chaos: PostgreSQL restarts under token traffic', () => {
  it('reports not ready while the database is gone, fails cleanly, and recovers by itself', async () => {
    const timeoutMs = 1000;
    const report = await runPostgresRestart({
      tenants: 8,
      callers: 8,
      downSeconds: 6,
      timeoutMs,
      recoveryBoundMs: 30_000,
    });
    const { unclean, healthWhileDown, ...counts } = report;
    console.log(
      JSON.stringify(
        { ...counts, healthProbesWhileDown: healthWhileDown.length, unclean: unclean.slice(0, 5) },
        null,
        2,
      ),
    );
    expect(report.crashed).toEqual([]);
    expect(unclean).toEqual([]);
    expect(report.outage.requests).toBeGreaterThan(0);
    expect(report.outage.slowestMs).toBeLessThan(timeoutMs + 5000);
    expect(healthWhileDown.length).toBeGreaterThan(0);
    expect(healthWhileDown.filter((h) => h.ready !== 503 || h.live !== 200)).toEqual([]);
    expect(Object.keys(report.recoveryMs).sort()).toEqual(['A', 'B']);
    expect(report.requestsAfter).toBeGreaterThan(0);
    expect(report.servedAfter).toBe(report.requestsAfter);
    expect(report.evictedOnOtherReplica).toBe(true);
    expect(report.credentialsAfter).toBe(report.credentialsBefore);
    expect(report.tokensIssuedAfter).toBe(report.credentialsBefore * 2);
  }, 300_000);
});
