import { isUUID } from 'class-validator';
import { ApiError } from '../../common/api-error.js';
import { WebhooksController } from '../../notifications/webhooks.controller.js';
import { CreateWebhookBody, DeliveriesQuery } from '../../notifications/webhooks.dto.js';
import { WebhooksService } from '../../notifications/webhooks.service.js';
import { field } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { JsonOption } from '../command-tree.js';
import type { WebhookCreateOptions, WebhookDeliveriesOptions } from './webhooks.commands.js';

const COLUMNS = [field('id'), field('url'), field('events'), field('tenants'), field('description')];
const CREATED_COLUMNS = [field('id'), field('url'), field('secret')];
const DELIVERY_COLUMNS = [
  field('id'),
  field('type'),
  field('state'),
  field('attempt'),
  field('status_code', 'status'),
  field('at'),
  field('next_attempt_at', 'next'),
  field('error'),
];

/** As the API: an id that is not a UUID is a 404. */
function webhookId(id: string | undefined): string {
  if (!id || !isUUID(id)) throw ApiError.notFound('That webhook');
  return id;
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').filter((x) => x !== ''));

export const listWebhooks: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const items = await (await broker.get(WebhooksService)).list();
  output.result(options.json ? { items } : items, options.json ?? false, COLUMNS);
};

export const createWebhook: CommandImpl<WebhookCreateOptions> = async (
  { broker, output },
  _args,
  options,
) => {
  const body = await broker.validated(CreateWebhookBody, {
    url: options.url,
    events: list(options.events),
    tenants: list(options.tenants),
    description: options.description,
  });
  const webhooks = await broker.get(WebhooksService);
  const created = await broker.audited([WebhooksController, 'create'], { body }, (audit) =>
    webhooks.create(body, audit),
  );
  output.result(created, options.json ?? false, CREATED_COLUMNS);
};

export const deleteWebhook: CommandImpl<JsonOption> = async ({ broker, output }, [raw], options) => {
  const id = webhookId(raw);
  const webhooks = await broker.get(WebhooksService);
  await broker.audited([WebhooksController, 'delete'], { params: { id } }, (audit) =>
    webhooks.delete(id, audit),
  );
  output.line(options.json ? JSON.stringify({ deleted: id }) : `deleted ${id}`);
};

export const testWebhook: CommandImpl<JsonOption> = async ({ broker, output }, [raw], options) => {
  const id = webhookId(raw);
  const webhooks = await broker.get(WebhooksService);
  const queued = await broker.audited([WebhooksController, 'test'], { params: { id } }, (audit) =>
    webhooks.test(id, audit),
  );
  output.result(queued, options.json ?? false, [field('event_id', 'event')]);
};

export const listDeliveries: CommandImpl<WebhookDeliveriesOptions> = async (
  { broker, output },
  [raw],
  options,
) => {
  const id = webhookId(raw);
  const q = await broker.validated(DeliveriesQuery, { limit: options.limit, before: options.before });
  const page = await (await broker.get(WebhooksService)).deliveriesPage(id, q.limit ?? 100, q.before);
  output.result(options.json ? page : page.items, options.json ?? false, DELIVERY_COLUMNS);
};
