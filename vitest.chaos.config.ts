import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the long fault-injection runs (a short subset runs inside `npm test`). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos-spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // The whole-run leak check covers these runs too (responses, in-process logs, dumps).
    setupFiles: ['test/support/leak-check/file-hooks.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
