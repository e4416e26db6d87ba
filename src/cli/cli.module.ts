import { Module } from '@nestjs/common';
import { BrokerContext } from './broker-context.js';
import { CliOutput, CliStreams } from './cli-output.js';
import { CliProgram } from './cli-program.js';
import * as apiKeys from './commands/api-keys.commands.js';
import * as audit from './commands/audit.commands.js';
import * as credentials from './commands/credentials.commands.js';
import * as encryption from './commands/encryption.commands.js';
import * as oauthClients from './commands/oauth-clients.commands.js';
import { RefreshCommand } from './commands/refresh.command.js';
import * as tenants from './commands/tenants.commands.js';
import { SecretInput } from './secret-input.js';

/**
 * The CLI's own small module: commands plus the lazily booted broker (BrokerContext). The broker's
 * services come from the service's own module graph, so the CLI has no second implementation of them.
 */
@Module({
  providers: [
    BrokerContext,
    CliProgram,
    CliStreams,
    CliOutput,
    SecretInput,
    RefreshCommand,
    ...Object.values(tenants),
    ...Object.values(oauthClients),
    ...Object.values(credentials),
    ...Object.values(apiKeys),
    ...Object.values(encryption),
    ...Object.values(audit),
  ],
})
export class CliModule {}
