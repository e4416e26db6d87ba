import { TenantsController } from '../../tenants/tenants.controller.js';
import { CreateTenantBody, ListTenantsQuery } from '../../tenants/tenants.dto.js';
import { TenantsService } from '../../tenants/tenants.service.js';
import { field } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { JsonOption } from '../command-tree.js';
import type { TenantCreateOptions } from './tenants.commands.js';

const TENANT_COLUMNS = [field('id'), field('name'), field('created_at', 'created')];

export const listTenants: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const tenants = await broker.get(TenantsService);
  const page = await broker.validated(ListTenantsQuery, {});
  const items = [];
  let after: string | undefined;
  do {
    const list = await tenants.list(page.limit ?? 100, after);
    items.push(...list.items);
    after = list.next_after ?? undefined;
  } while (after !== undefined);
  output.result(options.json ? { items } : items, options.json ?? false, TENANT_COLUMNS);
};

export const createTenant: CommandImpl<TenantCreateOptions> = async ({ broker, output }, [id], options) => {
  const body = await broker.validated(CreateTenantBody, { id, name: options.name ?? id });
  const tenants = await broker.get(TenantsService);
  const created = await broker.audited([TenantsController, 'create'], { body }, (audit) =>
    tenants.create(body, audit),
  );
  output.result(created, options.json ?? false, TENANT_COLUMNS);
};
