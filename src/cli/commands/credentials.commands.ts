import { command, group, runs } from '../command-tree.js';

export const credentialsCommands = group('credentials', 'credentials: list', [
  runs(
    command('list', "a tenant's credentials (never a secret)", '<tenant>'),
    async () => (await import('./credentials.actions.js')).listCredentials,
  ),
]);
