import { isUUID } from 'class-validator';
import { Command, Option, SubCommand } from 'nest-commander';
import { ApiKeysController } from '../../auth/api-keys.controller.js';
import { CreateApiKeyBody, RotateApiKeyBody } from '../../auth/api-keys.dto.js';
import { ApiKeysService } from '../../auth/api-keys.service.js';
import { ApiError } from '../../common/api-error.js';
import { BrokerCommand, CommandGroup, JsonOption, numberOrText } from '../broker-command.js';
import { field } from '../cli-output.js';

const KEY_COLUMNS = [
  field('id'),
  field('name'),
  field('role'),
  field('tenants'),
  field('key_prefix', 'prefix'),
  field('expires_at', 'expires'),
  field('last_used_at', 'last used'),
];
/** Shown once, at creation and rotation; the table keeps it on a line of its own to copy. */
const CREATED_COLUMNS = [field('id'), field('name'), field('role'), field('key')];

/** The API answers 404 for an id that is not a UUID (ParseUUIDPipe); so does the CLI. */
function keyId(id: string | undefined): string {
  if (!id || !isUUID(id)) throw ApiError.notFound('That API key');
  return id;
}

@SubCommand({ name: 'list', description: 'list API keys (prefixes only)' })
export class ApiKeysListCommand extends BrokerCommand {
  async run(_args: string[], options: JsonOption): Promise<void> {
    const items = await (await this.broker.get(ApiKeysService)).list();
    this.output.result(options.json ? { items } : items, options.json ?? false, KEY_COLUMNS);
  }
}

interface CreateOptions extends JsonOption {
  name: string;
  role: string;
  tenants: string;
  expiresAt?: string;
}

@SubCommand({ name: 'create', description: 'create an API key; the key is printed once' })
export class ApiKeysCreateCommand extends BrokerCommand<CreateOptions> {
  async run(_args: string[], options: CreateOptions): Promise<void> {
    const body = await this.broker.validated(CreateApiKeyBody, {
      name: options.name,
      role: options.role,
      tenants: options.tenants.split(',').filter((t) => t !== ''),
      expires_at: options.expiresAt,
    });
    const keys = await this.broker.get(ApiKeysService);
    const created = await this.broker.audited([ApiKeysController, 'create'], { body }, () =>
      keys.create(body),
    );
    this.output.result(created, options.json ?? false, CREATED_COLUMNS);
  }

  @Option({ flags: '--name <name>', description: 'who holds the key', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--role <role>', description: 'admin or service', required: true })
  parseRole(value: string): string {
    return value;
  }

  @Option({ flags: '--tenants <ids>', description: 'comma-separated tenant ids, or *', required: true })
  parseTenants(value: string): string {
    return value;
  }

  @Option({ flags: '--expires-at <iso>', description: 'ISO-8601 expiry' })
  parseExpiry(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'rotate',
  arguments: '<id>',
  description: 'a new key for the same holder; the old one works until --grace-seconds pass',
})
export class ApiKeysRotateCommand extends BrokerCommand<JsonOption & { graceSeconds?: number | string }> {
  async run([raw]: string[], options: JsonOption & { graceSeconds?: number | string }): Promise<void> {
    const body = await this.broker.validated(RotateApiKeyBody, { grace_seconds: options.graceSeconds });
    const id = keyId(raw);
    const keys = await this.broker.get(ApiKeysService);
    const rotated = await this.broker.audited([ApiKeysController, 'rotate'], { params: { id }, body }, () =>
      keys.rotate(id, body.grace_seconds ?? 0),
    );
    this.output.result(rotated, options.json ?? false, CREATED_COLUMNS);
  }

  @Option({ flags: '--grace-seconds <n>', description: 'how long the old key keeps working (default 0)' })
  parseGrace(value: string): number | string {
    return numberOrText(value);
  }
}

@SubCommand({
  name: 'delete',
  arguments: '<id>',
  description: 'delete an API key (stops within 5 s everywhere)',
})
export class ApiKeysDeleteCommand extends BrokerCommand {
  async run([raw]: string[], options: JsonOption): Promise<void> {
    const id = keyId(raw);
    const keys = await this.broker.get(ApiKeysService);
    await this.broker.audited([ApiKeysController, 'delete'], { params: { id } }, () => keys.delete(id));
    if (options.json) this.output.line(JSON.stringify({ deleted: id }));
    else this.output.line(`deleted ${id}`);
  }
}

@Command({
  name: 'api-keys',
  description: 'API keys: list, create, rotate, delete',
  subCommands: [ApiKeysListCommand, ApiKeysCreateCommand, ApiKeysRotateCommand, ApiKeysDeleteCommand],
})
export class ApiKeysCommand extends CommandGroup {}
