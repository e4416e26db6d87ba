import { get, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { SseClient } from '../support/sse-client.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const DEVICE = 'e00fce681f2e3c4d5a6b7c8d';
const TIMINGS = {
  keepAliveMs: 200,
  lingerMs: 300,
  idleMs: 5_000,
  backoffMs: 50,
  backoffCapMs: 200,
  maxBufferedBytes: 64 * 1024,
};

/** The event-stream hub of design.md §11 with plain fetch subscribers. */
describe('event-stream hub', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let key: string;
  const open: SseClient[] = [];
  const subscribe = async (path = '/v1/products/1000/events', tenant = 'acme') => {
    const c = await SseClient.open(`${t.url}/v1/tenants/${tenant}/particle${path}`, key);
    open.push(c);
    return c;
  };
  const upstreamPath = '/v1/products/1000/events';

  beforeAll(async () => {
    fake = await ParticleFake.start({ keepAliveMs: 60_000 });
    t = await startTestApp({
      env: {
        PARTICLE_API_URL: fake.url,
        PARTICLE_STREAM_LIMIT: '3',
        PARTICLE_TENANT_SHARE: '0.5',
        PARTICLE_TIMEOUT_MS: '1000',
      },
      streamTimings: TIMINGS,
    });
    const api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
    fake.addDevice({ id: DEVICE, name: 'boron-1', productId: 1000 });
    const created = await api<{ key: string }>('POST', '/v1/api-keys', {
      key: TEST_ADMIN_KEY,
      body: { name: 'p', role: 'proxy', tenants: ['acme'] },
    });
    key = created.body.key;
  });
  // Each test starts with no upstream stream and every slot free: a stream lingers after its last
  // subscriber, and its slot is released after that, which under load can outlast the next test's start.
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const egress = await client(t.url)<{ streams: { open: number } }>('GET', '/v1/admin/egress', {
        key: TEST_ADMIN_KEY,
      });
      if (fake.openStreams() === 0 && egress.body.streams.open === 0) break;
      if (Date.now() > deadline) throw new Error('streams of the last test were not closed and released');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it("answers text/event-stream, starts with :ok and passes Particle's frames verbatim", async () => {
    const sub = await subscribe('/v1/products/1000/events/temp?nonce=123.4');
    expect(sub.status).toBe(200);
    expect(sub.contentType).toContain('text/event-stream');
    await sub.until((c) => c.text.startsWith(':ok\n\n'));
    await sub.until(() => fake.openStreams('/v1/products/1000/events/temp') === 1);
    fake.publish({ name: 'temp', data: '21.5', coreid: DEVICE });
    fake.publish({ name: 'humidity', data: '40', coreid: DEVICE });
    await sub.until((c) => c.events('temp').length === 1);
    expect(sub.events('temp')[0]).toMatchObject({ data: '21.5', coreid: DEVICE });
    expect(sub.events('humidity')).toEqual([]);
    expect(sub.text).toMatch(
      /event: temp\ndata: \{"data":"21\.5","ttl":60,"published_at":"[^"]+","coreid":"e00f/,
    );
    const seen = fake.requests.filter((r) => r.path === '/v1/products/1000/events/temp').at(-1);
    expect(seen?.query).toBe('');
    expect(seen?.headers.authorization).not.toContain(key);
  });

  it('serves 200 subscribers of one tenant and path from one upstream stream', async () => {
    const opensBefore = fake.streamOpens(upstreamPath);
    const subs = await Promise.all(Array.from({ length: 200 }, () => subscribe()));
    expect(subs.every((s) => s.status === 200)).toBe(true);
    expect(fake.openStreams(upstreamPath)).toBe(1);
    expect(fake.streamOpens(upstreamPath)).toBe(opensBefore + 1);
    fake.publish({ name: 'fanout', data: 'x', coreid: DEVICE });
    await Promise.all(subs.map((s) => s.until((c) => c.events('fanout').length === 1)));
  });

  it('sends keep-alive comments to every subscriber while Particle is silent', async () => {
    const sub = await subscribe();
    await sub.until((c) => (c.text.match(/^:\n\n/gm) ?? []).length >= 2, 3_000);
  });

  it('reconnects a dropped upstream while subscribers stay connected and see later events', async () => {
    const sub = await subscribe();
    await sub.until(() => fake.openStreams(upstreamPath) === 1);
    const opensBefore = fake.streamOpens(upstreamPath);
    fake.dropStreams({ abrupt: true });
    await sub.until(
      () => fake.streamOpens(upstreamPath) === opensBefore + 1 && fake.openStreams(upstreamPath) === 1,
    );
    expect(sub.ended).toBe(false);
    fake.publish({ name: 'after-drop', data: 'y', coreid: DEVICE });
    await sub.until((c) => c.events('after-drop').length === 1);
  });

  it('heals a token revoked while streaming: the reconnect renews it, subscribers see only a gap', async () => {
    const sub = await subscribe('/v1/products/1000/events/heal');
    const path = '/v1/products/1000/events/heal';
    await sub.until(() => fake.openStreams(path) === 1);
    const used = String(fake.requests.filter((r) => r.path === path).at(-1)?.headers.authorization);
    fake.revokeToken(used.slice('Bearer '.length));
    fake.dropStreams();
    // Other streams of the tenant reconnect too and may renew first: this one's reconnect then goes
    // straight out with the new token, or meets the 401 and renews itself.
    const opens = () => fake.requests.filter((r) => r.path === path);
    await sub.until(
      () => fake.openStreams(path) === 1 && opens().at(-1)?.status === 200 && opens().length >= 2,
    );
    expect(opens().at(-1)?.headers.authorization).not.toBe(used);
    expect(fake.requests.some((r) => r.status === 401 && r.headers.authorization === used)).toBe(true);
    fake.publish({ name: 'heal', data: 'z', coreid: DEVICE });
    await sub.until((c) => c.events('heal').length === 1);
    expect(sub.ended).toBe(false);
  });

  it('drops a subscriber that stops reading, without slowing the others', async () => {
    const path = '/v1/products/1000/events/flood';
    const reader = await subscribe(path);
    const stalled = await new Promise<IncomingMessage>((resolve) => {
      get(
        `${t.url}/v1/tenants/acme/particle${path}`,
        { headers: { authorization: `Bearer ${key}` }, agent: false },
        (res) => {
          res.pause();
          resolve(res);
        },
      );
    });
    await reader.until(() => fake.openStreams(path) === 1);
    const data = 'x'.repeat(2000);
    for (let i = 0; i < 3000; i++) fake.publish({ name: 'flood', data, coreid: DEVICE });
    await reader.until((c) => c.events('flood').length === 3000, 10_000);
    await new Promise<void>((resolve) => {
      stalled.once('close', resolve);
      stalled.resume();
    });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/broker_proxy_stream_subscribers_dropped_total [1-9]/);
  });

  it('closes the upstream stream after the last subscriber leaves, and releases its slot', async () => {
    const sub = await subscribe('/v1/products/1000/events/linger');
    await sub.until(() => fake.openStreams('/v1/products/1000/events/linger') === 1);
    await sub.close();
    open.splice(open.indexOf(sub), 1);
    await sub.until(() => fake.openStreams('/v1/products/1000/events/linger') === 0, 3_000);
    const egress = await client(t.url)<{ streams: { open: number } }>('GET', '/v1/admin/egress', {
      key: TEST_ADMIN_KEY,
    });
    expect(egress.body.streams.open).toBeLessThanOrEqual(1);
  });

  it("relays Particle's refusal of a stream open (an unknown device) as Particle answered it", async () => {
    const res = await fetch(`${t.url}/v1/tenants/acme/particle/v1/devices/nope/events`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect([403, 404]).toContain(res.status);
    expect(res.headers.get('content-type')).not.toContain('problem');
    expect(fake.openStreams()).toBeLessThanOrEqual(3);
  });

  it('answers 503 upstream_unavailable when Particle does not open a stream in time, never hangs', async () => {
    fake.injectFault({ kind: 'timeout' }, { path: '/v1/products/1000/events/slow', times: 1 });
    const res = await fetch(`${t.url}/v1/tenants/acme/particle/v1/products/1000/events/slow`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('upstream_unavailable');
  });

  it('answers 503 stream_limit_reached with Retry-After when no slot is left', async () => {
    const paths = ['/v1/products/1000/events/a', '/v1/products/1000/events/b', '/v1/products/1000/events/c'];
    for (const path of paths) await subscribe(path);
    const refused = await fetch(`${t.url}/v1/tenants/acme/particle/v1/products/1000/events/d`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    const problem = (await refused.json()) as { code: string; scope: string };
    expect(problem.code).toBe('stream_limit_reached');
    expect(problem.scope).toBe('global');
  });
});
