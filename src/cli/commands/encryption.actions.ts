import type { EncryptionStatus } from '../../crypto/encryption-status.js';
import { ReencryptionService } from '../../crypto/reencryption.service.js';
import { field, withProgress } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import { CommandExit, JsonOption } from '../command-tree.js';

function describe(status: EncryptionStatus): string {
  const keys = status.keys.map((k) => `${k.kid}${k.kid === status.active_kid ? ' (active)' : ''}: ${k.rows}`);
  const { state, done, total } = status.reencryption;
  return `${keys.join(', ')}\nre-encryption: ${state}, ${done}/${total} under the active key`;
}

export const encryptionStatus: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const status = await (await broker.get(ReencryptionService)).status();
  if (options.json) output.line(JSON.stringify(status));
  else output.line(describe(status));
};

export const reencrypt: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const service = await broker.get(ReencryptionService);
  const progress = async (final = false): Promise<void> => {
    const { done, total } = (await service.status()).reencryption;
    output.progress(`re-encrypted ${done}/${total}`, final);
  };
  const pass = await withProgress(service.runOnce(), 1000, () => progress());
  await progress(true);
  output.result(pass, options.json ?? false, [field('rewritten'), field('failed')]);
  // Values that cannot be opened stay as they are; the old key must not be removed yet.
  if (pass.failed > 0) throw new CommandExit(1);
};
