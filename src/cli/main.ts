#!/usr/bin/env node
/**
 * Ops CLI (`npm run cli -- <command>`, or the `particle-token-broker` bin). Configured by the same
 * environment as the service (DATABASE_URL, or the embedded database in BROKER_DATA_DIR). Exit codes:
 * 0 done; 1 the operation failed (or, for `refresh`, a renewal failed); 2 usage or invalid input;
 * 78 bad configuration.
 *
 * This file and the command tree load only commander: help and usage errors answer at once, and a
 * command's implementation (with Nest, TypeORM and the database) is imported when it runs.
 */
import { describeFailure } from './cli-errors.js';
import { cliProgram } from './cli-program.js';

let failure: unknown;
try {
  await cliProgram().parseAsync(process.argv);
} catch (err) {
  failure = err;
}
const { exitCode, message } = await describeFailure(failure);
if (message) process.stderr.write(`${message}\n`);
process.exit(exitCode);
