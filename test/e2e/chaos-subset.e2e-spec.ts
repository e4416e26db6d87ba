import { describe, it } from 'vitest';
import { expectHeld, runChaos } from '../chaos/chaos-run.js';

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
    expectHeld(report, timeoutMs);
  }, 120_000);
});
