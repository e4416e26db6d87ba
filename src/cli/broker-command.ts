import { Inject } from '@nestjs/common';
import { Command as Commander } from 'commander';
import { CommandRunner, Option } from 'nest-commander';
import { BrokerContext } from './broker-context.js';
import { CliOutput } from './cli-output.js';

export interface JsonOption {
  json?: boolean;
}

/**
 * Base of every CLI command. Usage errors throw (commander would otherwise exit by itself from a
 * subcommand, with its own exit code) so main.ts maps every outcome to one documented exit code.
 */
export abstract class BrokerCommand<O extends object = JsonOption> extends CommandRunner {
  // Property injection: every command needs these two, and subclasses keep constructors for the rest.
  @Inject(BrokerContext) protected readonly broker!: BrokerContext;
  @Inject(CliOutput) protected readonly output!: CliOutput;

  override setCommand(command: Commander): this {
    command.exitOverride();
    return super.setCommand(command);
  }

  abstract override run(args: string[], options: O): Promise<void>;

  @Option({ flags: '--json', description: 'print JSON for scripts instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

/** A command that only groups subcommands: run without one, it explains itself. */
export abstract class CommandGroup extends CommandRunner {
  override setCommand(command: Commander): this {
    command.exitOverride();
    return super.setCommand(command);
  }

  run(): Promise<void> {
    this.command.help();
  }
}

/** A number when the text is one, else the text itself, so the DTO's own validation names the problem. */
export function numberOrText(value: string): number | string {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/** Ends a command with this exit code after its output is printed (e.g. `refresh` with failures). */
export class CommandExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CommandExit';
  }
}

/** Runs `work`, calling `report` every `ms` while it lasts: progress for long jobs. */
export async function withProgress<T>(
  work: Promise<T>,
  ms: number,
  report: () => Promise<void> | void,
): Promise<T> {
  const timer = setInterval(() => void Promise.resolve(report()).catch(() => undefined), ms);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
