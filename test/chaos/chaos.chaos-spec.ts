import { describe, it } from 'vitest';
import { expectHeld, runChaos } from './chaos-run.js';

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
    expectHeld(report, timeoutMs);
  }, 600_000);
});
