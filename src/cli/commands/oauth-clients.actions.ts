import { OAuthClientRotationService } from '../../tenants/oauth-client-rotation.service.js';
import { OAuthClientsController } from '../../tenants/oauth-clients.controller.js';
import { CreateOAuthClientBody, OAuthClientView, RotateSecretBody } from '../../tenants/oauth-clients.dto.js';
import { OAuthClientsService } from '../../tenants/oauth-clients.service.js';
import { field, Row } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { JsonOption } from '../command-tree.js';
import type {
  OAuthClientCreateOptions,
  OAuthClientListOptions,
  OAuthClientRotateOptions,
} from './oauth-clients.commands.js';

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

export const listOAuthClients: CommandImpl<OAuthClientListOptions> = async (
  { broker, output },
  _args,
  options,
) => {
  const items = await (await broker.get(OAuthClientsService)).list(options.tenant);
  output.result(options.json ? { items } : items, options.json ?? false, CLIENT_COLUMNS);
};

export const createOAuthClient: CommandImpl<OAuthClientCreateOptions> = async (
  { broker, output, secrets },
  [id],
  options,
) => {
  const body = await broker.validated(CreateOAuthClientBody, {
    id,
    tenant_id: options.tenant,
    client_id: options.clientId,
    client_secret: await secrets.read('client secret: '),
    type: options.type,
    product_id: options.productId,
    redirect_uri: options.redirectUri,
  });
  const clients = await broker.get(OAuthClientsService);
  const created = await broker.audited([OAuthClientsController, 'create'], { body }, (audit) =>
    clients.create(body, audit),
  );
  output.result(created, options.json ?? false, CLIENT_COLUMNS);
};

export const rotateOAuthClient: CommandImpl<OAuthClientRotateOptions> = async (
  { broker, output, secrets },
  [raw],
  options,
) => {
  const id = raw ?? '';
  const body = await broker.validated(RotateSecretBody, {
    client_id: options.clientId,
    client_secret: options.mode === undefined ? await secrets.read('new client secret: ') : undefined,
    grace_seconds: options.graceSeconds,
    mode: options.mode,
    management_credential_id: options.managementCredential,
  });
  const rotation = await broker.get(OAuthClientRotationService);
  const rotated = await broker.audited(
    [OAuthClientsController, 'rotate'],
    { params: { id }, body },
    (audit) => rotation.rotate(id, body, audit),
  );
  output.result(rotated, options.json ?? false, CLIENT_COLUMNS);
};

export const rollBackOAuthClient: CommandImpl<JsonOption> = async ({ broker, output }, [raw], options) => {
  const id = raw ?? '';
  const rotation = await broker.get(OAuthClientRotationService);
  const view = await broker.audited([OAuthClientsController, 'rollBack'], { params: { id } }, (audit) =>
    rotation.rollBack(id, audit),
  );
  output.result(view, options.json ?? false, CLIENT_COLUMNS);
};
