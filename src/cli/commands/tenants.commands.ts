import { Option, SubCommand, Command } from 'nest-commander';
import { TenantsController } from '../../tenants/tenants.controller.js';
import { CreateTenantBody, ListTenantsQuery } from '../../tenants/tenants.dto.js';
import { TenantsService } from '../../tenants/tenants.service.js';
import { BrokerCommand, CommandGroup, JsonOption } from '../broker-command.js';
import { field } from '../cli-output.js';

const TENANT_COLUMNS = [field('id'), field('name'), field('created_at', 'created')];

@SubCommand({ name: 'list', description: 'list tenants (all pages)' })
export class TenantsListCommand extends BrokerCommand {
  async run(_args: string[], options: JsonOption): Promise<void> {
    const tenants = await this.broker.get(TenantsService);
    const page = await this.broker.validated(ListTenantsQuery, {});
    const items = [];
    let after: string | undefined;
    do {
      const list = await tenants.list(page.limit ?? 100, after);
      items.push(...list.items);
      after = list.next_after ?? undefined;
    } while (after !== undefined);
    this.output.result(options.json ? { items } : items, options.json ?? false, TENANT_COLUMNS);
  }
}

interface CreateOptions extends JsonOption {
  name?: string;
}

@SubCommand({ name: 'create', arguments: '<id>', description: 'create a tenant' })
export class TenantsCreateCommand extends BrokerCommand<CreateOptions> {
  async run([id]: string[], options: CreateOptions): Promise<void> {
    const body = await this.broker.validated(CreateTenantBody, { id, name: options.name ?? id });
    const tenants = await this.broker.get(TenantsService);
    const created = await this.broker.audited([TenantsController, 'create'], { body }, () =>
      tenants.create(body),
    );
    this.output.result(created, options.json ?? false, TENANT_COLUMNS);
  }

  @Option({ flags: '--name <name>', description: 'display name (default: the id)' })
  parseName(value: string): string {
    return value;
  }
}

@Command({
  name: 'tenants',
  description: 'tenants: list, create',
  subCommands: [TenantsListCommand, TenantsCreateCommand],
})
export class TenantsCommand extends CommandGroup {}
