import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import { PRODUCT, ALICE, BOB, fx, restartWith, postToken, login, useFreshFake } from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: token endpoint limits`, () => {
  it('answers 429 once the window’s token budget is spent, until the window rolls on', async () => {
    await restartWith({ tokenBudget: 3, budgetWindowMs: 60_000 });

    const within = [];
    for (let i = 0; i < 3; i += 1)
      within.push(await postToken({ grant_type: 'client_credentials' }, PRODUCT));
    const over = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
    fx.clock += 60_000;
    const later = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

    expect(within.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(over.status).toBe(429);
    expect(over.json).toEqual({ error: 'rate_limit_exceeded', error_description: 'Rate limit exceeded.' });
    expect(later.status).toBe(200);
  });

  it('locks every token call out after N consecutive failures, until the lockout ends', async () => {
    await restartWith({ lockoutFailures: 3, lockoutMs: 60_000 });
    const wrongSecret = { ...PRODUCT, secret: 'stale' };

    for (let i = 0; i < 3; i += 1) await postToken({ grant_type: 'client_credentials' }, wrongSecret);
    const locked = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
    const lockedStatus = { lockedOut: fx.fake.lockedOut, max: fx.fake.maxConsecutiveFailuresSeen };
    fx.clock += 60_000;
    const after = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

    expect(lockedStatus).toEqual({ lockedOut: true, max: 3 });
    expect(locked.status).toBe(429);
    expect(after.status).toBe(200);
    expect(fx.fake.lockedOut).toBe(false);
    expect(fx.fake.consecutiveFailures).toBe(0);
  });

  it('resets the consecutive count on success and does not count the MFA challenge as a failure', async () => {
    await restartWith({ lockoutFailures: 3 });

    await login({ ...ALICE, password: 'guess' });
    await login(BOB);
    const afterChallenge = fx.fake.consecutiveFailures;
    await login({ ...ALICE, password: 'guess' });
    await login(ALICE);
    await login({ ...ALICE, password: 'guess' });

    expect(afterChallenge).toBe(1);
    expect(fx.fake.consecutiveFailures).toBe(1);
    expect(fx.fake.maxConsecutiveFailuresSeen).toBe(2);
    expect(fx.fake.lockedOut).toBe(false);
  });
});
