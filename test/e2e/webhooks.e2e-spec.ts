import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebhookDeliveryWorker } from '../../src/notifications/webhook-delivery.worker.js';
import { RefreshSchedulerService } from '../../src/refresh-scheduler/refresh-scheduler.service.js';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';
import { eventually, ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver.js';

const admin = { key: TEST_ADMIN_KEY };
const MIN = 60_000;

interface Created {
  id: string;
  url: string;
  events: string[];
  tenants: string[];
  secret: string;
}
interface Delivery {
  id: string;
  event_id: string;
  type: string;
  attempt: number;
  state: string;
  status_code: number | null;
  error: string | null;
  next_attempt_at: string | null;
}

const clock = new TestClock();

/**
 * What a receiver does with the reference library: throws unless a signature verifies. The receiver's
 * clock agrees with the broker's (the tests move the broker's), as real clocks do, so the library's
 * timestamp tolerance is checked against the time the broker signed at.
 */
function verified(secret: string, r: ReceivedWebhook): { type: string; data: Record<string, unknown> } {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  try {
    return new Webhook(secret).verify(r.body, headers) as { type: string; data: Record<string, unknown> };
  } finally {
    vi.useRealTimers();
  }
}

describe('webhooks (design.md §10)', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  let receiver: WebhookReceiver;
  const sweep = () => t.app.get(RefreshSchedulerService).sweep();
  const pump = () => t.app.get(WebhookDeliveryWorker).pump();

  async function subscribe(body: Record<string, unknown> = {}): Promise<Created> {
    const res = await api<Created>('POST', '/v1/webhooks', {
      ...admin,
      body: { url: receiver.url, ...body },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 10_000 });
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, PARTICLE_MAX_CONSECUTIVE_FAILURES: '2', WEBHOOK_TIMEOUT_MS: '1000' },
      clock,
    });
    api = client(t.url);
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
    for (const w of (await api<{ items: { id: string }[] }>('GET', '/v1/webhooks', admin)).body.items) {
      await api('DELETE', `/v1/webhooks/${w.id}`, admin);
    }
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
    await fake.close();
  });

  it('shows the secret once, stores it sealed, and delivers a test event any Standard Webhooks verifier accepts', async () => {
    const w = await subscribe({ description: 'ops' });
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(w).toMatchObject({ url: receiver.url, events: ['*'], tenants: ['*'] });
    const shown = await api('GET', `/v1/webhooks/${w.id}`, admin);
    expect(shown.status).toBe(200);
    expect(shown.text).not.toContain(w.secret.slice(6));
    const listed = await api('GET', '/v1/webhooks', admin);
    expect(listed.text).not.toContain(w.secret.slice(6));
    const stored = await t.db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM webhook_secrets');
    expect(stored.map((s) => s.secret_sealed).join()).not.toContain(w.secret.slice(6));

    const queued = await api<{ event_id: string }>('POST', `/v1/webhooks/${w.id}/test`, admin);
    expect(queued.status).toBe(202);
    const got = await eventually(() => receiver.ofType('webhook.test')[0]);
    expect(got.headers['webhook-id']).toBe(queued.body.event_id);
    expect(got.headers['content-type']).toBe('application/json');
    expect(verified(w.secret, got)).toMatchObject({ type: 'webhook.test', data: {} });
    expect(() => verified(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, got)).toThrow();

    const page = await eventually(async () => {
      const p = await api<{ items: Delivery[] }>('GET', `/v1/webhooks/${w.id}/deliveries`, admin);
      return p.body.items[0]?.state === 'delivered' ? p.body : undefined;
    });
    expect(page.items[0]).toMatchObject({ event_id: queued.body.event_id, attempt: 1, status_code: 200 });
    expect(t.logs.text()).not.toContain(w.secret.slice(6));
  });

  it('retries a receiver that answered 500 with the same webhook-id, after the backoff', async () => {
    const w = await subscribe();
    receiver.answerWith(500);
    const queued = await api<{ event_id: string }>('POST', `/v1/webhooks/${w.id}/test`, admin);
    await eventually(() => receiver.received.length >= 1);
    const pending = await eventually(async () => {
      const p = await api<{ items: Delivery[] }>('GET', `/v1/webhooks/${w.id}/deliveries`, admin);
      return p.body.items[0]?.attempt === 1 ? p.body.items[0] : undefined;
    });
    expect(pending).toMatchObject({ state: 'pending', status_code: 500 });
    expect(Date.parse(pending.next_attempt_at ?? '') - clock.now().getTime()).toBeGreaterThan(3_000);
    await pump();
    expect(receiver.received).toHaveLength(1);

    clock.advance(6_000);
    await eventually(() => receiver.received.length >= 2);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([
      queued.body.event_id,
      queued.body.event_id,
    ]);
    expect(verified(w.secret, receiver.received[1]!).type).toBe('webhook.test');
    await eventually(async () => {
      const p = await api<{ items: Delivery[] }>('GET', `/v1/webhooks/${w.id}/deliveries`, admin);
      return p.body.items[0]?.state === 'delivered' && p.body.items[0].attempt === 2;
    });
  });

  it('signs with both secrets during a rotation grace, and with the new one only after it', async () => {
    const w = await subscribe();
    const rotated = await api<{ id: string; secret: string }>('POST', `/v1/webhooks/${w.id}/rotate-secret`, {
      ...admin,
      body: { grace_seconds: 60 },
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body.secret).not.toBe(w.secret);
    await api('POST', `/v1/webhooks/${w.id}/test`, admin);
    const during = await eventually(() => receiver.received[0]);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(w.secret, during).type).toBe('webhook.test');
    expect(verified(rotated.body.secret, during).type).toBe('webhook.test');

    clock.advance(61_000);
    await api('POST', `/v1/webhooks/${w.id}/test`, admin);
    const after = await eventually(() => receiver.received[1]);
    expect(verified(rotated.body.secret, after).type).toBe('webhook.test');
    expect(() => verified(w.secret, after)).toThrow();
  });

  it('announces a credential that starts failing once, however often it fails, and its recovery', async () => {
    const w = await subscribe({ tenants: ['fail-co'] });
    const { credentialId } = await tenantWithProductClient(api, fake, 'fail-co');
    clock.advance(50 * MIN); // inside the renewal lead window
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 1 });
    await sweep();
    const failing = await eventually(() => receiver.ofType('credential.failing')[0]);
    expect(verified(w.secret, failing).data).toMatchObject({
      tenant_id: 'fail-co',
      credential_id: credentialId,
      kind: 'client_credentials',
    });
    await api('POST', '/v1/admin/egress/breaker/reset', admin);
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 1 });
    clock.advance(10 * MIN);
    await sweep(); // fails again: still failing, no second event
    await api('POST', '/v1/admin/egress/breaker/reset', admin);
    clock.advance(10 * MIN);
    await sweep();
    const recovered = await eventually(() => receiver.ofType('credential.recovered')[0]);
    expect(verified(w.secret, recovered).data).toMatchObject({
      credential_id: credentialId,
      from_status: 'failing',
    });
    expect(receiver.ofType('credential.failing')).toHaveLength(1);
    const types = receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types.indexOf('credential.failing')).toBeLessThan(types.indexOf('credential.recovered'));
  });

  it('announces needs_reauth when Particle revoked an imported token, and the deletion of a credential', async () => {
    const w = await subscribe({ events: ['credential.needs_reauth', 'credential.revoked'] });
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'tok-co', name: 't' } });
    const { accessToken } = fake.issueToken({ clientId: 'particle', expiresInSeconds: 30 * 86_400 });
    const created = await api<{ id: string }>('POST', '/v1/tenants/tok-co/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    fake.revokeToken(accessToken);
    clock.advance(61 * MIN);
    await sweep();
    const reauth = await eventually(() => receiver.ofType('credential.needs_reauth')[0]);
    expect(verified(w.secret, reauth).data).toMatchObject({
      tenant_id: 'tok-co',
      credential_id: created.body.id,
      kind: 'token',
    });
    expect(verified(w.secret, reauth).data.reason).toEqual(expect.any(String));
    expect(reauth.body).not.toContain(accessToken);

    expect((await api('DELETE', `/v1/tenants/tok-co/credentials/${created.body.id}`, admin)).status).toBe(
      204,
    );
    const revoked = await eventually(() => receiver.ofType('credential.revoked')[0]);
    expect(verified(w.secret, revoked).data).toMatchObject({
      credential_id: created.body.id,
      by: 'bootstrap',
    });
  });

  it('announces the breaker opening and closing to endpoints of every tenant only', async () => {
    const all = await subscribe({ events: ['egress.breaker_opened', 'egress.breaker_closed'] });
    const scoped = await WebhookReceiver.start();
    await api('POST', '/v1/webhooks', {
      ...admin,
      body: { url: scoped.url, tenants: ['acme'], events: ['*'] },
    });
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'brk-co', name: 'b' } });
    fake.addClient({ id: 'brk-co-prod', secret: 'brk-secret-0123456789', kind: 'product', productId: 1 });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'brk-co-prod',
        tenant_id: 'brk-co',
        client_id: 'brk-co-prod',
        client_secret: 'brk-secret-0123456789',
        type: 'installed',
        product_id: 1,
      },
    });
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 2 });
    for (let i = 0; i < 2; i++) {
      await api('POST', '/v1/tenants/brk-co/credentials', {
        ...admin,
        body: { kind: 'client_credentials', oauth_client_id: 'brk-co-prod' },
      });
    }
    const opened = await eventually(() => receiver.ofType('egress.breaker_opened')[0]);
    expect(verified(all.secret, opened).data).toMatchObject({ consecutive_failures: 2 });
    await api('POST', '/v1/admin/egress/breaker/reset', admin);
    const closed = await eventually(() => receiver.ofType('egress.breaker_closed')[0]);
    expect(verified(all.secret, closed).data).toMatchObject({ open_until: null });
    await pump();
    expect(scoped.received).toHaveLength(0);
    await scoped.close();
  });

  it('announces an OAuth client rotation and its rollback, committed with the switch', async () => {
    const w = await subscribe({ events: ['oauth_client.rotated'] });
    await tenantWithProductClient(api, fake, 'rot-co');
    const NEW_SECRET = 'rot-co-new-secret-0123456789';
    fake.addClient({ id: 'rot-co-prod-2', secret: NEW_SECRET, kind: 'product', productId: 1000 });
    const rejected = await api('POST', '/v1/oauth-clients/rot-co-prod/rotations', {
      ...admin,
      body: { client_id: 'rot-co-prod-2', client_secret: 'not-the-secret' },
    });
    expect(rejected.status).toBe(422);
    const rotated = await api('POST', '/v1/oauth-clients/rot-co-prod/rotations', {
      ...admin,
      body: { client_id: 'rot-co-prod-2', client_secret: NEW_SECRET },
    });
    expect(rotated.status).toBe(201);
    expect((await api('POST', '/v1/oauth-clients/rot-co-prod/rotations/rollback', admin)).status).toBe(200);
    const events = await eventually(() => {
      const got = receiver.ofType('oauth_client.rotated');
      return got.length >= 2 ? got : undefined;
    });
    expect(events.map((e) => verified(w.secret, e).data)).toEqual([
      { tenant_id: 'rot-co', oauth_client_id: 'rot-co-prod', version: 2, mode: 'secret' },
      { tenant_id: 'rot-co', oauth_client_id: 'rot-co-prod', version: 1, mode: 'rollback' },
    ]);
    expect(events.map((e) => e.body).join()).not.toContain(NEW_SECRET);
    await pump();
    expect(receiver.ofType('oauth_client.rotated')).toHaveLength(2);
  });

  it('refuses bad input with a problem and changes nothing', async () => {
    const bad: Record<string, unknown>[] = [
      { url: 'http://example.com/hook' },
      { url: 'https://user:pass@example.com/hook' },
      { url: 'ftp://example.com/hook' },
      { url: 'not a url' },
      { url: 'https://example.com/hook#frag' },
      { url: receiver.url, events: ['credential.nope'] },
      { url: receiver.url, events: [] },
      { url: receiver.url, tenants: ['Bad Tenant'] },
      { url: receiver.url, description: 'x'.repeat(501) },
      { url: 42 },
      {},
    ];
    for (const body of bad) {
      const res = await api('POST', '/v1/webhooks', { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    expect((await api<{ items: unknown[] }>('GET', '/v1/webhooks', admin)).body.items).toEqual([]);

    const w = await subscribe({ events: 'webhook.test', tenants: '*' });
    expect(w).toMatchObject({ events: ['webhook.test'], tenants: ['*'] });
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${missing}`],
      ['DELETE', `/v1/webhooks/${missing}`],
      ['POST', `/v1/webhooks/${missing}/test`],
      ['POST', `/v1/webhooks/${missing}/rotate-secret`],
      ['GET', `/v1/webhooks/${missing}/deliveries`],
      ['GET', '/v1/webhooks/not-a-uuid'],
    ] as const) {
      expect((await api(method, path, admin)).status, `${method} ${path}`).toBe(404);
    }
    for (const q of [
      'limit=0',
      'limit=501',
      'before=abc',
      'before=99999999999999999999',
      'before=9223372036854775808',
    ]) {
      expect((await api('GET', `/v1/webhooks/${w.id}/deliveries?${q}`, admin)).status, q).toBe(400);
    }
    for (const body of [{ grace_seconds: -1 }, { grace_seconds: 'soon' }, { grace_seconds: 31 * 86_400 }]) {
      expect((await api('POST', `/v1/webhooks/${w.id}/rotate-secret`, { ...admin, body })).status).toBe(400);
    }
    expect((await t.db.query('SELECT id FROM webhook_secrets')).length).toBe(1);
    const service = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 's', role: 'service', tenants: ['*'] },
    });
    expect((await api('GET', '/v1/webhooks', { key: service.body.key })).status).toBe(403);
    expect(
      (await api('POST', '/v1/webhooks', { key: service.body.key, body: { url: receiver.url } })).status,
    ).toBe(403);
  });

  it('audits every change, never with the secret', async () => {
    const w = await subscribe();
    await api('POST', `/v1/webhooks/${w.id}/rotate-secret`, { ...admin, body: {} });
    await api('POST', `/v1/webhooks/${w.id}/test`, admin);
    await api('DELETE', `/v1/webhooks/${w.id}`, admin);
    const audit = await api<{ items: { action: string; outcome: string; target: string | null }[] }>(
      'GET',
      '/v1/audit-events?limit=20',
      admin,
    );
    const mine = audit.body.items.filter((e) => e.target === w.id).map((e) => `${e.action}:${e.outcome}`);
    expect(mine).toEqual(
      expect.arrayContaining([
        'webhook.create:success',
        'webhook.rotate_secret:success',
        'webhook.test:success',
        'webhook.delete:success',
      ]),
    );
    expect(audit.text).not.toContain(w.secret.slice(6));
    expect((await api('GET', `/v1/webhooks/${w.id}`, admin)).status).toBe(404);
  });
});

describe('webhooks: egress.budget_exhausted', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 10_000 });
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '2' }, clock });
    api = client(t.url);
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
    await fake.close();
  });

  it('announces a spent budget once per window and scope, however many calls it refuses', async () => {
    const w = await api<Created>('POST', '/v1/webhooks', { ...admin, body: { url: receiver.url } });
    await tenantWithProductClient(api, fake, 'solo'); // the first token call
    const mint = (customer: string) =>
      api('POST', '/v1/tenants/solo/tokens', { ...admin, body: { customer } });
    expect((await mint('c1')).status).toBe(200);
    for (const c of ['c2', 'c3', 'c4']) {
      const refused = await mint(c);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'token_budget_exhausted', scope: 'global' });
    }
    const got = await eventually(() => receiver.ofType('egress.budget_exhausted')[0]);
    const event = verified(w.body.secret, got);
    expect(event.data).toMatchObject({ budget: 'token', scope: 'global' });
    expect(event.data.retry_after_seconds).toBeGreaterThan(0);
    await t.app.get(WebhookDeliveryWorker).pump();
    expect(receiver.ofType('egress.budget_exhausted')).toHaveLength(1);
    const rows = await t.db.query("SELECT id FROM webhook_events WHERE type = 'egress.budget_exhausted'");
    expect(rows).toHaveLength(1);
  });
});
