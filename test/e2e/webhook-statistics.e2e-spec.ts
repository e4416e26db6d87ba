import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDeliveryWorker } from '../../src/notifications/webhook-delivery.worker.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

const EVENTS = 100;

describe(`${WebhookDeliveryWorker.name} and the outbox's planner statistics`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ db });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await db.drop();
  });

  it('analyzes webhook_deliveries when a claim meets a backlog, and delivers the whole backlog', async () => {
    const created = await client(t.url)<{ id: string }>('POST', '/v1/webhooks', {
      key: TEST_ADMIN_KEY,
      body: { url: receiver.url, events: ['webhook.test'] },
    });
    expect(created.status).toBe(201);
    // ANALYZE writes pg_statistic as it commits (the activity views' last_analyze can lag by seconds).
    const analyzed = async () =>
      (await db.query(`SELECT 1 FROM pg_stats WHERE tablename = 'webhook_deliveries' AND attname = 'state'`))
        .length > 0;
    expect(await analyzed()).toBe(false);

    // One statement, so the first claim meets the whole backlog at once.
    await db.query(
      `SELECT webhook_enqueue('webhook.test', NULL, 'k' || (i % 10), '{}'::jsonb, NULL, $1::uuid)
         FROM generate_series(1, $2) AS i`,
      [created.body.id, EVENTS],
    );
    await eventually(analyzed);
    await eventually(() => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size === EVENTS);
    const [left] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM webhook_deliveries WHERE state <> 'delivered'`,
    );
    expect(Number(left?.n)).toBe(0);
  });
});
