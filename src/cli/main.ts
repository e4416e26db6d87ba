#!/usr/bin/env node
/**
 * Ops CLI (`npm run cli -- <command>`, or the `particle-token-broker` bin). Configured by the same
 * environment as the service (DATABASE_URL, or the embedded database in BROKER_DATA_DIR). Exit codes:
 * 0 done; 1 the operation failed (or, for `refresh`, a renewal failed); 2 usage or invalid input;
 * 78 bad configuration.
 */
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module.js';
import { describeFailure } from './cli-errors.js';

let failure: unknown;
const app = await CommandFactory.createWithoutRunning(CliModule, {
  cliName: 'particle-token-broker',
  logger: ['error', 'warn'],
  // Help and usage errors throw instead of exiting, so the context below is always closed.
  errorHandler: (err) => {
    throw err;
  },
  serviceErrorHandler: (err) => {
    failure = err;
  },
});
try {
  await CommandFactory.runApplication(app);
} finally {
  await app.close();
}
const { exitCode, message } = describeFailure(failure);
if (message) process.stderr.write(`${message}\n`);
process.exit(exitCode);
