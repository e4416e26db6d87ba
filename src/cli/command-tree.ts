import { Command, Option } from 'commander';
import type { CommandImpl } from './command-runner.js';

/**
 * Building blocks of the command tree. They load nothing but commander: `--help`, a group without a
 * subcommand and usage errors are answered from this tree alone, and only a command that runs loads
 * its implementation (and with it the broker) through `runs`.
 */

export interface JsonOption {
  json?: boolean;
}

/**
 * A command of the tree. Usage errors throw (commander would otherwise exit by itself from a
 * subcommand, with its own exit code) so main.ts maps every outcome to one documented exit code.
 */
export function command(name: string, description: string, args?: string): Command {
  const created = new Command(name).description(description).exitOverride();
  return args === undefined ? created : created.argument(args);
}

/**
 * Gives `command` its `--json` option (after its own ones, as help lists them) and an action that
 * imports the implementation `load` names only when the command runs.
 */
export function runs<O extends JsonOption>(target: Command, load: () => Promise<CommandImpl<O>>): Command {
  return target
    .addOption(new Option('--json', 'print JSON for scripts instead of a table'))
    .action(async () => {
      // The runner first: it loads reflect-metadata, which the implementation's decorated classes need.
      const { runCommand } = await import('./command-runner.js');
      await runCommand(await load(), target.args, target.opts<O>());
    });
}

/** A command that only groups subcommands: run without one, it explains itself. */
export function group(name: string, description: string, subcommands: Command[]): Command {
  const created = command(name, description);
  for (const sub of subcommands) created.addCommand(sub);
  return created.action(() => created.help());
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
