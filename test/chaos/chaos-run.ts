import { expect } from 'vitest';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

export interface ChaosOptions {
  seconds: number;
  replicas: number;
  tenants: number;
  callers: number;
  timeoutMs: number;
  /** Share of token-endpoint calls hit by each fault. */
  rates: { status500: number; status429: number; timeout: number; slow: number };
}

export interface ChaosReport {
  requests: number;
  ok: number;
  /** Callers asking only for what their cached token already gives: they must keep being served. */
  cachedOk: number;
  cachedFailed: number;
  byStatus: Record<number, number>;
  unclean: string[];
  slowest: number;
  tokenCalls: number;
  maxConsecutiveFailures: number;
}

/**
 * Several replicas on one database, the fake injecting faults on /oauth/token, callers hammering the
 * token endpoint: half ask for little (served from cache), half ask for nearly a full token lifetime
 * (forcing renewals through the faults).
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const fake = await ParticleFake.start({ tokenBudget: 100 });
  const env = {
    PARTICLE_API_URL: fake.url,
    PARTICLE_TIMEOUT_MS: String(o.timeoutMs),
    PARTICLE_TOKEN_BUDGET: '100',
    TOKEN_TTL_SECONDS: '3600',
    LOG_LEVEL: 'error',
  };
  const apps: TestApp[] = [await startTestApp({ env })];
  for (let i = 1; i < o.replicas; i++) apps.push(await startTestApp({ env, db: apps[0]?.db }));
  const calls: Call[] = apps.map((a) => client(a.url));
  const report: ChaosReport = {
    requests: 0,
    ok: 0,
    cachedOk: 0,
    cachedFailed: 0,
    byStatus: {},
    unclean: [],
    slowest: 0,
    tokenCalls: 0,
    maxConsecutiveFailures: 0,
  };
  try {
    const tenants = Array.from({ length: o.tenants }, (_, i) => `chaos-${i}`);
    for (const id of tenants) await tenantWithProductClient(calls[0] as Call, fake, id);
    // Every replica has a good token cached before the storm starts.
    for (const call of calls)
      for (const id of tenants)
        await call('POST', `/v1/tenants/${id}/tokens`, { key: TEST_ADMIN_KEY, body: {} });
    const paths = ['/oauth/token'];
    fake.injectFault({ kind: 'status', status: 500 }, { path: paths[0], rate: o.rates.status500 });
    fake.injectFault({ kind: 'status', status: 429 }, { path: paths[0], rate: o.rates.status429 });
    fake.injectFault({ kind: 'timeout' }, { path: paths[0], rate: o.rates.timeout });
    fake.injectFault(
      { kind: 'slow', ms: Math.round(o.timeoutMs / 2) },
      { path: paths[0], rate: o.rates.slow },
    );
    const until = Date.now() + o.seconds * 1000;
    await Promise.all(
      Array.from({ length: o.callers }, async (_, c) => {
        const cached = c % 2 === 0;
        for (let n = 0; Date.now() < until; n++) {
          const call = calls[(c + n) % calls.length] as Call;
          const tenant = tenants[(c + n) % tenants.length] ?? '';
          const started = Date.now();
          const res = await call('POST', `/v1/tenants/${tenant}/tokens`, {
            key: TEST_ADMIN_KEY,
            body: { min_ttl_seconds: cached ? 60 : 3600 - 5 },
          });
          const took = Date.now() - started;
          report.requests++;
          report.slowest = Math.max(report.slowest, took);
          report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
          if (res.status === 200) report.ok++;
          if (cached && res.status === 200) report.cachedOk++;
          if (cached && res.status !== 200) report.cachedFailed++;
          const clean =
            res.status === 200 ||
            (res.status === 503 && Number(res.headers.get('retry-after')) > 0) ||
            (res.status === 409 && res.headers.get('content-type')?.includes('problem+json'));
          if (!clean) report.unclean.push(`${res.status} ${res.text.slice(0, 200)}`);
        }
      }),
    );
  } finally {
    fake.clearFaults();
    report.tokenCalls = fake.tokenCalls();
    report.maxConsecutiveFailures = fake.maxConsecutiveFailuresSeen;
    for (const app of apps.reverse()) await app.close();
    await fake.close();
  }
  return report;
}

/** What every chaos run must show, long or short. */
export function expectHeld(report: ChaosReport, timeoutMs: number): void {
  expect(report.unclean).toEqual([]);
  expect(report.cachedFailed).toBe(0);
  expect(report.cachedOk).toBeGreaterThan(0);
  expect(report.maxConsecutiveFailures).toBeLessThan(10);
  expect(report.tokenCalls).toBeLessThanOrEqual(100);
  // A renewal waits for Particle at most PARTICLE_TIMEOUT_MS; callers queued behind it a bit longer.
  expect(report.slowest).toBeLessThan(timeoutMs * 3 + 2000);
}
