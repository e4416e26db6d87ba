import { command, group, JsonOption, numberOrText, runs } from '../command-tree.js';

export interface OAuthClientListOptions extends JsonOption {
  tenant?: string;
}

export interface OAuthClientCreateOptions extends JsonOption {
  tenant?: string;
  clientId: string;
  type: string;
  productId?: string;
  redirectUri?: string;
}

export interface OAuthClientRotateOptions extends JsonOption {
  clientId?: string;
  graceSeconds?: number | string;
  mode?: string;
  managementCredential?: string;
}

const actions = () => import('./oauth-clients.actions.js');

export const oauthClientsCommands = group('oauth-clients', 'OAuth clients: list, create, rotate, rollback', [
  runs(
    command('create', 'register a Particle OAuth client; the secret is read from standard input', '<id>')
      .option('--tenant <id>', 'owning tenant (omit for a shared client)')
      .requiredOption('--client-id <id>', "Particle's client id")
      .requiredOption('--type <type>', 'installed (product) or web')
      .option('--product-id <id>', 'the product a product client belongs to')
      .option('--redirect-uri <uri>', 'for web clients'),
    async () => (await actions()).createOAuthClient,
  ),
  runs(
    command('list', 'list OAuth clients').option('--tenant <id>', "only this tenant's clients"),
    async () => (await actions()).listOAuthClients,
  ),
  runs(
    command('rollback', 'back to the previous secret (inside the grace)', '<id>'),
    async () => (await actions()).rollBackOAuthClient,
  ),
  runs(
    command(
      'rotate',
      'switch to a new secret (read from standard input, checked at Particle first), or --mode particle',
      '<id>',
    )
      .option('--client-id <id>', 'a new Particle client id (default: the current one)')
      .option('--grace-seconds <n>', 'how long the old secret stays a fallback', numberOrText)
      .option('--mode <mode>', '"particle": the broker creates the new client itself')
      .option('--management-credential <uuid>', 'credential allowed to manage clients'),
    async () => (await actions()).rotateOAuthClient,
  ),
]);
