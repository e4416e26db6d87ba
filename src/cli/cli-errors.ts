import { CommanderError } from 'commander';
import { ApiError } from '../common/api-error.js';
import { CommandExit } from './command-tree.js';

export interface Outcome {
  exitCode: number;
  /** For stderr; commander has already printed its own usage messages. */
  message?: string;
}

const EX_USAGE = 2;
const EX_CONFIG = 78;

/** Maps how a command ended to the exit code and message main.ts documents. */
export async function describeFailure(err: unknown): Promise<Outcome> {
  if (err === undefined) return { exitCode: 0 };
  if (err instanceof CommandExit) return { exitCode: err.exitCode };
  // Help and --version end with exit code 0; anything else commander refused is a usage error.
  if (err instanceof CommanderError) return { exitCode: err.exitCode === 0 ? 0 : EX_USAGE };
  // Only a command that ran gets here, and it has loaded the configuration (and zod) already.
  const { ConfigError } = await import('../config/config.js');
  if (err instanceof ConfigError) return { exitCode: EX_CONFIG, message: err.message };
  if (err instanceof ApiError) {
    const fields = (err.extras.errors as { field: string; messages: string[] }[] | undefined) ?? [];
    const lines = fields.map((f) => `  ${f.field}: ${f.messages.join('; ')}`);
    return {
      exitCode: err.code === 'validation_failed' ? EX_USAGE : 1,
      message: [`error: ${err.code}: ${err.detail}`, ...lines].join('\n'),
    };
  }
  return { exitCode: 1, message: `failed: ${err instanceof Error ? err.message : JSON.stringify(err)}` };
}
