import { isUUID } from 'class-validator';
import { ApiKeysController } from '../../auth/api-keys.controller.js';
import { CreateApiKeyBody, RotateApiKeyBody } from '../../auth/api-keys.dto.js';
import { ApiKeysService } from '../../auth/api-keys.service.js';
import { ApiError } from '../../common/api-error.js';
import { field } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { JsonOption } from '../command-tree.js';
import type { ApiKeyCreateOptions, ApiKeyRotateOptions } from './api-keys.commands.js';

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

export const listApiKeys: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const items = await (await broker.get(ApiKeysService)).list();
  output.result(options.json ? { items } : items, options.json ?? false, KEY_COLUMNS);
};

export const createApiKey: CommandImpl<ApiKeyCreateOptions> = async ({ broker, output }, _args, options) => {
  const body = await broker.validated(CreateApiKeyBody, {
    name: options.name,
    role: options.role,
    tenants: options.tenants.split(',').filter((t) => t !== ''),
    expires_at: options.expiresAt,
  });
  const keys = await broker.get(ApiKeysService);
  const created = await broker.audited([ApiKeysController, 'create'], { body }, (audit) =>
    keys.create(body, audit),
  );
  output.result(created, options.json ?? false, CREATED_COLUMNS);
};

export const rotateApiKey: CommandImpl<ApiKeyRotateOptions> = async ({ broker, output }, [raw], options) => {
  const body = await broker.validated(RotateApiKeyBody, { grace_seconds: options.graceSeconds });
  const id = keyId(raw);
  const keys = await broker.get(ApiKeysService);
  const rotated = await broker.audited([ApiKeysController, 'rotate'], { params: { id }, body }, (audit) =>
    keys.rotate(id, body.grace_seconds ?? 0, audit),
  );
  output.result(rotated, options.json ?? false, CREATED_COLUMNS);
};

export const deleteApiKey: CommandImpl<JsonOption> = async ({ broker, output }, [raw], options) => {
  const id = keyId(raw);
  const keys = await broker.get(ApiKeysService);
  await broker.audited([ApiKeysController, 'delete'], { params: { id } }, (audit) => keys.delete(id, audit));
  if (options.json) output.line(JSON.stringify({ deleted: id }));
  else output.line(`deleted ${id}`);
};
