import Particle from 'particle-api-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

type EventStream = Awaited<ReturnType<Particle['getEventStream']>>;
const DEVICE = 'e00fce681f2e3c4d5a6b7c8d';
const PRODUCT = 1000;

/** The official SDK pointed at the proxy, as design.md §11 tells a caller to use it. */
describe('particle-api-js through the proxy', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let particle: Particle;
  let auth: string;
  const streams: EventStream[] = [];

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url } });
    const api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
    fake.addDevice({
      id: DEVICE,
      name: 'boron-1',
      productId: PRODUCT,
      functions: { led: (arg) => (arg === 'on' ? 1 : -1) },
      variables: { temp: 21.5 },
    });
    const created = await api<{ key: string }>('POST', '/v1/api-keys', {
      key: TEST_ADMIN_KEY,
      body: { name: 'sdk', role: 'proxy', tenants: ['acme'] },
    });
    auth = created.body.key;
    particle = new Particle({ baseUrl: `${t.url}/v1/tenants/acme/particle` });
  });
  // The SDK reconnects a stream for ever unless it is aborted before the servers close.
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.abort();
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it("lists a product's devices, calls a function and reads a variable", async () => {
    const listed = await particle.listDevices({ product: PRODUCT, auth });
    const { devices } = listed.body as { devices: { id: string }[] };
    expect(devices.map((d) => d.id)).toEqual([DEVICE]);
    const called = await particle.callFunction({
      deviceId: DEVICE,
      name: 'led',
      argument: 'on',
      product: PRODUCT,
      auth,
    });
    expect(called.body).toMatchObject({ id: DEVICE, return_value: 1 });
    const read = await particle.getVariable({ deviceId: DEVICE, name: 'temp', product: PRODUCT, auth });
    expect(read.body).toMatchObject({ name: 'temp', result: 21.5 });
  });

  it("gets Particle's errors as the SDK expects them (statusCode and body)", async () => {
    const missing = particle.getVariable({ deviceId: DEVICE, name: 'nope', product: PRODUCT, auth });
    await expect(missing).rejects.toMatchObject({ statusCode: 404 });
  });

  it('receives published events through getEventStream', async () => {
    const stream = await particle.getEventStream({ product: PRODUCT, name: 'temp', auth });
    streams.push(stream);
    const received = new Promise<{ name: string; data: string }>((resolve) => stream.once('event', resolve));
    fake.publish({ name: 'temp', data: '22.0', coreid: DEVICE });
    expect(await received).toMatchObject({ name: 'temp', data: '22.0' });
  });

  it('heals a revoked token through renewal, invisibly to the SDK', async () => {
    await particle.listDevices({ product: PRODUCT, auth });
    const used = fake.requests.filter((r) => r.path === `/v1/products/${PRODUCT}/devices`).at(-1);
    fake.revokeToken(String(used?.headers.authorization).slice('Bearer '.length));
    const listed = await particle.listDevices({ product: PRODUCT, auth });
    expect((listed.body as { devices: unknown[] }).devices).toHaveLength(1);
  });

  it('never lets the SDK obtain a token with a proxy key', async () => {
    // login sends no broker key (401); with one, /oauth/token is refused (proxy.e2e-spec: 403).
    await expect(particle.login({ username: 'someone@example.com', password: 'pw' })).rejects.toMatchObject({
      statusCode: 401,
    });
    await expect(particle.deleteCurrentAccessToken({ auth })).rejects.toMatchObject({ statusCode: 403 });
    const tokens = await fetch(`${t.url}/v1/tenants/acme/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(tokens.status).toBe(403);
  });
});
