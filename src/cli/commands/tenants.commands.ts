import { command, group, JsonOption, runs } from '../command-tree.js';

export interface TenantCreateOptions extends JsonOption {
  name?: string;
}

const actions = () => import('./tenants.actions.js');

export const tenantsCommands = group('tenants', 'tenants: list, create', [
  runs(
    command('create', 'create a tenant', '<id>').option('--name <name>', 'display name (default: the id)'),
    async () => (await actions()).createTenant,
  ),
  runs(command('list', 'list tenants (all pages)'), async () => (await actions()).listTenants),
]);
