import { command, group, runs } from '../command-tree.js';

const actions = () => import('./encryption.actions.js');

export const encryptionCommands = group('encryption', 'encryption keys: status, re-encrypt', [
  runs(
    command(
      're-encrypt',
      'rewrite every stored secret under the active key now (resumable; safe beside replicas)',
    ),
    async () => (await actions()).reencrypt,
  ),
  runs(
    command('status', 'stored secrets per key id: when an old key can be removed'),
    async () => (await actions()).encryptionStatus,
  ),
]);
