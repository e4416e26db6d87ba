import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the long fault-injection runs (a short subset runs inside `npm test`). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos-spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
