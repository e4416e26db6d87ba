import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { leakRecorder } from '../support/leak-check/recorder.js';
import { webhookSecretKey } from '../support/leak-check/records.js';
import { startTestApp, TEST_ENCRYPTION_KEY, TestApp } from '../support/test-app.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

describe('ops CLI: webhooks', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
    env = { DATABASE_URL: t.db.url, BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY };
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('creates, lists, tests, shows deliveries of and deletes an endpoint; the running broker delivers', async () => {
    const created = await cli(
      'webhooks',
      'create',
      '--url',
      receiver.url,
      '--events',
      'webhook.test',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const endpoint = JSON.parse(created.stdout) as { id: string; secret: string; events: string[] };
    expect(endpoint).toMatchObject({ events: ['webhook.test'] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    // Handed out on the CLI's stdout, which the whole-run check does not search: it learns it here.
    leakRecorder.secret('webhook_secret', webhookSecretKey(endpoint.secret));

    const listed = await cli('webhooks', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(endpoint.id);
    expect(listed.stdout).not.toContain(endpoint.secret.slice(6));

    const tested = await cli('webhooks', 'test', endpoint.id, '--json');
    expect(tested.code, tested.stderr).toBe(0);
    const { event_id } = JSON.parse(tested.stdout) as { event_id: string };
    const got = await eventually(() => receiver.received[0]);
    const headers = Object.fromEntries(Object.entries(got.headers).map(([k, v]) => [k, String(v)]));
    expect(new Webhook(endpoint.secret).verify(got.body, headers)).toMatchObject({ type: 'webhook.test' });
    expect(got.headers['webhook-id']).toBe(event_id);

    const deliveries = await eventually(async () => {
      const run = await cli('webhooks', 'deliveries', endpoint.id, '--json');
      const page = JSON.parse(run.stdout) as { items: { state: string; event_id: string }[] };
      return page.items[0]?.state === 'delivered' ? page : undefined;
    }, 20_000);
    expect(deliveries.items[0]?.event_id).toBe(event_id);

    expect((await cli('webhooks', 'deliveries', endpoint.id, '--limit', '0')).code).not.toBe(0);
    expect((await cli('webhooks', 'test', 'not-a-uuid')).code).not.toBe(0);
    expect((await cli('webhooks', 'create', '--url', 'http://example.com/x')).code).not.toBe(0);

    const deleted = await cli('webhooks', 'delete', endpoint.id);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await cli('webhooks', 'list', '--json')).stdout).toContain('"items":[]');
    const audit = await t.db.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_events WHERE action LIKE 'webhook.%' AND outcome = 'success' ORDER BY id",
    );
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.test', 'webhook.delete']);
  });
});
