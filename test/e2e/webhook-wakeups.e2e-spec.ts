import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookWakeups } from '../../src/notifications/webhook-wakeups.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

const admin = { key: TEST_ADMIN_KEY };
const LISTENER = 'particle-token-broker-listen';

/**
 * The poll is set to an hour: a delivery that arrives within these tests' waits was started by the
 * `broker_webhooks` notification, not by the poll.
 */
describe(WebhookWakeups.name, () => {
  let db: TestDatabase;
  let t: TestApp;
  let api: Call;
  let receiver: WebhookReceiver;
  let endpointId = '';

  const listeners = async () =>
    (
      await db.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [LISTENER],
      )
    ).map((r) => r.pid);
  const sendTest = async () => {
    const res = await api<{ event_id: string }>('POST', `/v1/webhooks/${endpointId}/test`, admin);
    expect(res.status).toBe(202);
    return res.body.event_id;
  };
  const arrived = (eventId: string) => receiver.received.some((r) => r.headers['webhook-id'] === eventId);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ db, env: { WEBHOOK_POLL_MS: '3600000', WEBHOOK_TIMEOUT_MS: '1000' } });
    api = client(t.url);
    receiver = await WebhookReceiver.start();
    const created = await api<{ id: string }>('POST', '/v1/webhooks', {
      ...admin,
      body: { url: receiver.url, events: ['webhook.test'] },
    });
    expect(created.status).toBe(201);
    endpointId = created.body.id;
  });
  beforeEach(async () => {
    await eventually(async () => (await listeners()).length === 1);
  });
  afterAll(async () => {
    await receiver.close();
    await db.drop();
  });

  it('starts a delivery when events are queued, without waiting for the poll', async () => {
    const eventId = await sendTest();
    await eventually(() => arrived(eventId));
  });

  it('listens again after its connection is cut, and is woken by the next events', async () => {
    const [pid] = await listeners();
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    const next = await eventually(async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== pid;
    });
    expect(next).toBe(true);
    const eventId = await sendTest();
    await eventually(() => arrived(eventId));
  });

  it('closes its connection when the app shuts down', async () => {
    expect(await listeners()).toHaveLength(1);
    await t.close();
    expect(await listeners()).toEqual([]);
  });
});
