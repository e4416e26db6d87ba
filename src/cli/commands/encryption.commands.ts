import { Command, SubCommand } from 'nest-commander';
import { ReencryptionService } from '../../crypto/reencryption.service.js';
import type { EncryptionStatus } from '../../crypto/encryption-status.js';
import { BrokerCommand, CommandExit, CommandGroup, JsonOption, withProgress } from '../broker-command.js';
import { field } from '../cli-output.js';

function describe(status: EncryptionStatus): string {
  const keys = status.keys.map((k) => `${k.kid}${k.kid === status.active_kid ? ' (active)' : ''}: ${k.rows}`);
  const { state, done, total } = status.reencryption;
  return `${keys.join(', ')}\nre-encryption: ${state}, ${done}/${total} under the active key`;
}

@SubCommand({ name: 'status', description: 'stored secrets per key id: when an old key can be removed' })
export class EncryptionStatusCommand extends BrokerCommand {
  async run(_args: string[], options: JsonOption): Promise<void> {
    const status = await (await this.broker.get(ReencryptionService)).status();
    if (options.json) this.output.line(JSON.stringify(status));
    else this.output.line(describe(status));
  }
}

@SubCommand({
  name: 're-encrypt',
  description: 'rewrite every stored secret under the active key now (resumable; safe beside replicas)',
})
export class EncryptionReencryptCommand extends BrokerCommand {
  async run(_args: string[], options: JsonOption): Promise<void> {
    const service = await this.broker.get(ReencryptionService);
    const progress = async (final = false): Promise<void> => {
      const { done, total } = (await service.status()).reencryption;
      this.output.progress(`re-encrypted ${done}/${total}`, final);
    };
    const pass = await withProgress(service.runOnce(), 1000, () => progress());
    await progress(true);
    this.output.result(pass, options.json ?? false, [field('rewritten'), field('failed')]);
    // Values that cannot be opened stay as they are; the old key must not be removed yet.
    if (pass.failed > 0) throw new CommandExit(1);
  }
}

@Command({
  name: 'encryption',
  description: 'encryption keys: status, re-encrypt',
  subCommands: [EncryptionStatusCommand, EncryptionReencryptCommand],
})
export class EncryptionCommand extends CommandGroup {}
