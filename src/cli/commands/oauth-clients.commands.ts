import { Command, Option, SubCommand } from 'nest-commander';
import { OAuthClientRotationService } from '../../tenants/oauth-client-rotation.service.js';
import { OAuthClientsController } from '../../tenants/oauth-clients.controller.js';
import { CreateOAuthClientBody, OAuthClientView, RotateSecretBody } from '../../tenants/oauth-clients.dto.js';
import { OAuthClientsService } from '../../tenants/oauth-clients.service.js';
import { BrokerCommand, CommandGroup, JsonOption, numberOrText } from '../broker-command.js';
import { field, Row } from '../cli-output.js';
import { SecretInput } from '../secret-input.js';

const CLIENT_COLUMNS = [
  field('id'),
  field('tenant_id', 'tenant'),
  field('client_id'),
  field('type'),
  field('status'),
  {
    header: 'secrets',
    // Versions only, never a secret: "v2 active; v1 previous until …".
    value: (row: Row) =>
      (row.secret_versions as OAuthClientView['secret_versions'])
        .map((v) => `v${v.version} ${v.state}${v.retire_after ? ` until ${v.retire_after}` : ''}`)
        .join('; '),
  },
];

@SubCommand({ name: 'list', description: 'list OAuth clients' })
export class OAuthClientsListCommand extends BrokerCommand<JsonOption & { tenant?: string }> {
  async run(_args: string[], options: JsonOption & { tenant?: string }): Promise<void> {
    const items = await (await this.broker.get(OAuthClientsService)).list(options.tenant);
    this.output.result(options.json ? { items } : items, options.json ?? false, CLIENT_COLUMNS);
  }

  @Option({ flags: '--tenant <id>', description: "only this tenant's clients" })
  parseTenant(value: string): string {
    return value;
  }
}

interface CreateOptions extends JsonOption {
  tenant?: string;
  clientId: string;
  type: string;
  productId?: string;
  redirectUri?: string;
}

@SubCommand({
  name: 'create',
  arguments: '<id>',
  description: 'register a Particle OAuth client; the secret is read from standard input',
})
export class OAuthClientsCreateCommand extends BrokerCommand<CreateOptions> {
  constructor(private readonly secrets: SecretInput) {
    super();
  }

  async run([id]: string[], options: CreateOptions): Promise<void> {
    const body = await this.broker.validated(CreateOAuthClientBody, {
      id,
      tenant_id: options.tenant,
      client_id: options.clientId,
      client_secret: await this.secrets.read('client secret: '),
      type: options.type,
      product_id: options.productId,
      redirect_uri: options.redirectUri,
    });
    const clients = await this.broker.get(OAuthClientsService);
    const created = await this.broker.audited([OAuthClientsController, 'create'], { body }, () =>
      clients.create(body),
    );
    this.output.result(created, options.json ?? false, CLIENT_COLUMNS);
  }

  @Option({ flags: '--tenant <id>', description: 'owning tenant (omit for a shared client)' })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--client-id <id>', description: "Particle's client id", required: true })
  parseClientId(value: string): string {
    return value;
  }

  @Option({ flags: '--type <type>', description: 'installed (product) or web', required: true })
  parseType(value: string): string {
    return value;
  }

  @Option({ flags: '--product-id <id>', description: 'the product a product client belongs to' })
  parseProductId(value: string): string {
    return value;
  }

  @Option({ flags: '--redirect-uri <uri>', description: 'for web clients' })
  parseRedirectUri(value: string): string {
    return value;
  }
}

interface RotateOptions extends JsonOption {
  clientId?: string;
  graceSeconds?: number | string;
  mode?: string;
  managementCredential?: string;
}

@SubCommand({
  name: 'rotate',
  arguments: '<id>',
  description:
    'switch to a new secret (read from standard input, checked at Particle first), or --mode particle',
})
export class OAuthClientsRotateCommand extends BrokerCommand<RotateOptions> {
  constructor(private readonly secrets: SecretInput) {
    super();
  }

  async run([id]: string[], options: RotateOptions): Promise<void> {
    const body = await this.broker.validated(RotateSecretBody, {
      client_id: options.clientId,
      client_secret: options.mode === undefined ? await this.secrets.read('new client secret: ') : undefined,
      grace_seconds: options.graceSeconds,
      mode: options.mode,
      management_credential_id: options.managementCredential,
    });
    const rotation = await this.broker.get(OAuthClientRotationService);
    const rotated = await this.broker.audited(
      [OAuthClientsController, 'rotate'],
      { params: { id: id ?? '' }, body },
      () => rotation.rotate(id ?? '', body),
    );
    this.output.result(rotated, options.json ?? false, CLIENT_COLUMNS);
  }

  @Option({ flags: '--client-id <id>', description: 'a new Particle client id (default: the current one)' })
  parseClientId(value: string): string {
    return value;
  }

  @Option({ flags: '--grace-seconds <n>', description: 'how long the old secret stays a fallback' })
  parseGrace(value: string): number | string {
    return numberOrText(value);
  }

  @Option({ flags: '--mode <mode>', description: '"particle": the broker creates the new client itself' })
  parseMode(value: string): string {
    return value;
  }

  @Option({ flags: '--management-credential <uuid>', description: 'credential allowed to manage clients' })
  parseManagement(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'rollback',
  arguments: '<id>',
  description: 'back to the previous secret (inside the grace)',
})
export class OAuthClientsRollbackCommand extends BrokerCommand {
  async run([id]: string[], options: JsonOption): Promise<void> {
    const rotation = await this.broker.get(OAuthClientRotationService);
    const view = await this.broker.audited(
      [OAuthClientsController, 'rollBack'],
      { params: { id: id ?? '' } },
      () => rotation.rollBack(id ?? ''),
    );
    this.output.result(view, options.json ?? false, CLIENT_COLUMNS);
  }
}

@Command({
  name: 'oauth-clients',
  description: 'OAuth clients: list, create, rotate, rollback',
  subCommands: [
    OAuthClientsListCommand,
    OAuthClientsCreateCommand,
    OAuthClientsRotateCommand,
    OAuthClientsRollbackCommand,
  ],
})
export class OAuthClientsCommand extends CommandGroup {}
