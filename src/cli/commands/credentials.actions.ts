import { CredentialsService } from '../../credentials/credentials.service.js';
import { field } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { JsonOption } from '../command-tree.js';

const CREDENTIAL_COLUMNS = [
  field('id'),
  field('kind'),
  field('status'),
  field('oauth_client_id', 'client'),
  field('access_expires_at', 'access expires'),
  field('last_renewed_at', 'renewed'),
  field('last_error', 'error'),
];

export const listCredentials: CommandImpl<JsonOption> = async ({ broker, output }, [tenant], options) => {
  const items = await (await broker.get(CredentialsService)).listOfTenant(tenant ?? '');
  output.result(options.json ? { items } : items, options.json ?? false, CREDENTIAL_COLUMNS);
};
