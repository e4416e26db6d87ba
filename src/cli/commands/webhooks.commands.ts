import { command, group, JsonOption, numberOrText, runs } from '../command-tree.js';

export interface WebhookCreateOptions extends JsonOption {
  url: string;
  events?: string;
  tenants?: string;
  description?: string;
}

export interface WebhookDeliveriesOptions extends JsonOption {
  limit?: number | string;
  before?: string;
}

const actions = () => import('./webhooks.actions.js');

export const webhooksCommands = group(
  'webhooks',
  'webhook endpoints: list, create, delete, test, deliveries',
  [
    runs(
      command('create', 'subscribe an endpoint; its signing secret is printed once')
        .requiredOption('--url <url>', 'https URL (plain http per WEBHOOK_ALLOW_HTTP)')
        .option('--events <types>', 'comma-separated event types, or * (default)')
        .option('--tenants <ids>', 'comma-separated tenant ids, or * (default)')
        .option('--description <text>', 'what it is for'),
      async () => (await actions()).createWebhook,
    ),
    runs(
      command('delete', 'delete an endpoint and its pending deliveries', '<id>'),
      async () => (await actions()).deleteWebhook,
    ),
    runs(command('list', 'list endpoints (never their secrets)'), async () => (await actions()).listWebhooks),
    runs(
      command('test', 'queue a webhook.test event to one endpoint', '<id>'),
      async () => (await actions()).testWebhook,
    ),
    runs(
      command('deliveries', "an endpoint's deliveries, newest first", '<id>')
        .option('--limit <n>', 'at most this many (default 100)', numberOrText)
        .option('--before <cursor>', 'next_before of the previous page'),
      async () => (await actions()).listDeliveries,
    ),
  ],
);
