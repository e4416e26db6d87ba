import { Command, SubCommand } from 'nest-commander';
import { CredentialsService } from '../../credentials/credentials.service.js';
import { BrokerCommand, CommandGroup, JsonOption } from '../broker-command.js';
import { field } from '../cli-output.js';

const CREDENTIAL_COLUMNS = [
  field('id'),
  field('kind'),
  field('status'),
  field('oauth_client_id', 'client'),
  field('access_expires_at', 'access expires'),
  field('last_renewed_at', 'renewed'),
  field('last_error', 'error'),
];

@SubCommand({ name: 'list', arguments: '<tenant>', description: "a tenant's credentials (never a secret)" })
export class CredentialsListCommand extends BrokerCommand {
  async run([tenant]: string[], options: JsonOption): Promise<void> {
    const items = await (await this.broker.get(CredentialsService)).listOfTenant(tenant ?? '');
    this.output.result(options.json ? { items } : items, options.json ?? false, CREDENTIAL_COLUMNS);
  }
}

@Command({ name: 'credentials', description: 'credentials: list', subCommands: [CredentialsListCommand] })
export class CredentialsCommand extends CommandGroup {}
