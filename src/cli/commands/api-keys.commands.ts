import { command, group, JsonOption, numberOrText, runs } from '../command-tree.js';

export interface ApiKeyCreateOptions extends JsonOption {
  name: string;
  role: string;
  tenants: string;
  expiresAt?: string;
}

export interface ApiKeyRotateOptions extends JsonOption {
  graceSeconds?: number | string;
}

const actions = () => import('./api-keys.actions.js');

export const apiKeysCommands = group('api-keys', 'API keys: list, create, rotate, delete', [
  runs(
    command('create', 'create an API key; the key is printed once')
      .requiredOption('--name <name>', 'who holds the key')
      .requiredOption('--role <role>', 'admin, service or proxy (the Particle proxy only)')
      .requiredOption('--tenants <ids>', 'comma-separated tenant ids, or *')
      .option('--expires-at <iso>', 'ISO-8601 expiry'),
    async () => (await actions()).createApiKey,
  ),
  runs(
    command('delete', 'delete an API key (stops within 5 s everywhere)', '<id>'),
    async () => (await actions()).deleteApiKey,
  ),
  runs(command('list', 'list API keys (prefixes only)'), async () => (await actions()).listApiKeys),
  runs(
    command(
      'rotate',
      'a new key for the same holder; the old one works until --grace-seconds pass',
      '<id>',
    ).option('--grace-seconds <n>', 'how long the old key keeps working (default 0)', numberOrText),
    async () => (await actions()).rotateApiKey,
  ),
]);
