import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { client } from '../support/http.js';
import { BrokerProcess, freePort, spawnBroker, waitForReady } from '../support/process.js';
import { TEST_ADMIN_KEY, TEST_ENCRYPTION_KEY } from '../support/test-app.js';
import { eventually } from '../support/webhook-receiver.js';

const admin = { key: TEST_ADMIN_KEY };
const EVENTS = 30;
const HOLD_MS = 800;

/** A receiver that verifies each delivery and answers it only after HOLD_MS, so attempts are in flight. */
async function slowReceiver(secret: () => string) {
  const ids: string[] = [];
  const bad: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        new Webhook(secret()).verify(Buffer.concat(chunks).toString('utf8'), headers);
        ids.push(headers['webhook-id'] ?? '');
      } catch {
        bad.push(headers['webhook-id'] ?? '');
      }
      setTimeout(() => res.writeHead(200).end('ok'), HOLD_MS);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    ids,
    bad,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('webhook delivery by two replicas, one killed mid-delivery', () => {
  let db: TestDatabase;
  let a: BrokerProcess;
  let b: BrokerProcess;
  let secret = '';
  let receiver: Awaited<ReturnType<typeof slowReceiver>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await slowReceiver(() => secret);
    const env = {
      DATABASE_URL: db.url,
      BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      BROKER_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      PARTICLE_API_URL: 'http://127.0.0.1:9',
      WEBHOOK_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
    };
    a = spawnBroker(env, await freePort());
    b = spawnBroker(env, await freePort());
    await Promise.all([waitForReady(a), waitForReady(b)]);
  }, 60_000);
  afterAll(async () => {
    for (const p of [a, b])
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    await receiver.close();
    await db.drop();
  });

  it('loses no event; only attempts in flight at the kill are made again, with the same webhook-id', async () => {
    const api = client(a.url);
    const created = await api<{ id: string; secret: string }>('POST', '/v1/webhooks', {
      ...admin,
      body: { url: receiver.url, events: ['webhook.test'] },
    });
    expect(created.status).toBe(201);
    secret = created.body.secret;
    const queued: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const res = await api<{ event_id: string }>('POST', `/v1/webhooks/${created.body.id}/test`, admin);
      queued.push(res.body.event_id);
    }
    // Kill B while both replicas have attempts out (each holds up to 4 for one endpoint).
    await eventually(async () => {
      const [row] = await db.query<{ n: string }>(
        "SELECT count(DISTINCT lease_owner) AS n FROM webhook_deliveries WHERE lease_owner IS NOT NULL AND state = 'pending'",
      );
      return Number(row?.n) >= 2;
    }, 20_000);
    const [leased] = await db.query<{ held: string }>(
      'SELECT count(*) AS held FROM webhook_deliveries WHERE lease_owner IS NOT NULL',
    );
    b.child.kill('SIGKILL');
    await b.exited;

    const done = await eventually(async () => {
      const rows = await db.query<{ state: string }>('SELECT state FROM webhook_deliveries');
      return rows.length === EVENTS && rows.every((r) => r.state === 'delivered') ? rows : undefined;
    }, 60_000);
    expect(done).toHaveLength(EVENTS);
    expect(receiver.bad).toEqual([]);
    expect(new Set(receiver.ids)).toEqual(new Set(queued));
    const duplicates = receiver.ids.length - new Set(receiver.ids).size;
    // At most the attempts leased at the kill (B's share of them) were made twice.
    expect(duplicates).toBeLessThanOrEqual(Number(leased?.held ?? 0));
  }, 90_000);
});
