import { Command } from 'commander';
import { apiKeysCommands } from './commands/api-keys.commands.js';
import { auditCommands } from './commands/audit.commands.js';
import { credentialsCommands } from './commands/credentials.commands.js';
import { egressCommands } from './commands/egress.commands.js';
import { encryptionCommands } from './commands/encryption.commands.js';
import { oauthClientsCommands } from './commands/oauth-clients.commands.js';
import { refreshCommand } from './commands/refresh.commands.js';
import { tenantsCommands } from './commands/tenants.commands.js';
import { webhooksCommands } from './commands/webhooks.commands.js';

/** The whole command tree; names the program in help text (else commander names it after main.js). */
export function cliProgram(): Command {
  const program = new Command('particle-token-broker')
    .description('Ops CLI of particle-token-broker: the same services as the API, on the same database.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const sub of [
    refreshCommand,
    tenantsCommands,
    oauthClientsCommands,
    credentialsCommands,
    apiKeysCommands,
    encryptionCommands,
    egressCommands,
    webhooksCommands,
    auditCommands,
  ]) {
    program.addCommand(sub);
  }
  return program;
}
