import 'reflect-metadata';
import { knownProblem } from '../common/known-problem.js';
import { BrokerContext } from './broker-context.js';
import { CliOutput } from './cli-output.js';
import { SecretInput } from './secret-input.js';

/** What a command's implementation works with. */
export interface CommandScope {
  readonly broker: BrokerContext;
  readonly output: CliOutput;
  readonly secrets: SecretInput;
}

/** A command's implementation: its operands and parsed options in, output and side effects out. */
export type CommandImpl<O> = (scope: CommandScope, args: string[], options: O) => Promise<void>;

/** Runs one implementation and closes whatever it booted (the broker, an embedded database it started). */
export async function runCommand<O>(impl: CommandImpl<O>, args: string[], options: O): Promise<void> {
  const broker = new BrokerContext();
  try {
    await impl({ broker, output: new CliOutput(), secrets: new SecretInput() }, args, options);
  } catch (err) {
    // Particle's typed errors and a database outage end as the problem the API would answer.
    throw knownProblem(err) ?? err;
  } finally {
    await broker.close();
  }
}
