import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import {
  ALICE,
  ARGON,
  BOB,
  BORON,
  PRODUCT,
  START,
  fx,
  postToken,
  productDevice,
  restartWith,
  sdk,
  sdkLogin,
  str,
  useFreshFake,
  withBearer,
} from './spec-support.js';

useFreshFake();

/** A client-credentials token of PRODUCT itself, which reaches the product's devices (§2.2). */
async function productToken(): Promise<string> {
  return str((await postToken({ grant_type: 'client_credentials' }, PRODUCT)).json.access_token);
}

describe(`${ParticleFake.name}: device cloud through particle-api-js`, () => {
  it('lists only the token owner’s devices and describes one by id or by name', async () => {
    fx.fake.addDevice(BORON);
    fx.fake.addDevice(ARGON);
    const particle = sdk(await sdkLogin(ALICE));

    const list = await particle.listDevices({});
    const byId = await particle.getDevice({ deviceId: BORON.id });
    const byName = await particle.getDevice({ deviceId: BORON.name });

    expect(list.body).toEqual([byId.body]);
    expect(byName.body).toEqual(byId.body);
    expect(byId.body).toMatchObject({
      id: BORON.id,
      name: BORON.name,
      online: true,
      connected: true,
      platform_id: 13,
      product_id: 13,
      cellular: true,
      last_heard: new Date(START).toISOString(),
      functions: ['led'],
      variables: { temperature: 'double', uptime: 'int32' },
    });
  });

  it('calls a function with the SDK’s JSON `args` and a form `arg`, and reads variables', async () => {
    fx.fake.addDevice(BORON);
    const token = await sdkLogin(ALICE);
    const particle = sdk(token);

    const called = await particle.callFunction({ deviceId: BORON.id, name: 'led', argument: 'on' });
    const byForm = await withBearer(`/v1/devices/${BORON.id}/led`, token, {
      method: 'POST',
      body: new URLSearchParams({ arg: 'off' }),
    });
    const temperature = await particle.getVariable({ deviceId: BORON.id, name: 'temperature' });
    const uptime = await particle.getVariable({ deviceId: BORON.name, name: 'uptime' });
    const raw = await withBearer(`/v1/devices/${BORON.id}/temperature?format=raw`, token);

    expect(called.body).toEqual({ id: BORON.id, last_app: '', connected: true, return_value: 1 });
    expect(byForm.json.return_value).toBe(-1);
    expect(temperature.body).toMatchObject({
      name: 'temperature',
      result: 21.5,
      coreInfo: { deviceID: BORON.id, name: BORON.name, connected: true },
    });
    expect(uptime.body.result).toBe(42);
    expect(raw.text).toBe('21.5');
    expect(fx.fake.requests.find((request) => request.path === `/v1/devices/${BORON.id}/led`)).toMatchObject({
      method: 'POST',
      body: JSON.stringify({ args: 'on' }),
      status: 200,
    });
  });

  it('answers 400 for a function not exposed, 404 for an unknown variable or device, 408 offline', async () => {
    fx.fake.addDevice(BORON);
    const particle = sdk(await sdkLogin(ALICE));

    const noFunction = particle.callFunction({ deviceId: BORON.id, name: 'reboot', argument: '' });
    const noVariable = particle.getVariable({ deviceId: BORON.id, name: 'humidity' });
    const noDevice = particle.getDevice({ deviceId: 'ffffffffffffffffffffffff' });
    await expect(noFunction).rejects.toMatchObject({ statusCode: 400 });
    await expect(noVariable).rejects.toMatchObject({ statusCode: 404 });
    await expect(noDevice).rejects.toMatchObject({
      statusCode: 404,
      body: { ok: false, error: 'Device not found.' },
    });

    fx.fake.setDeviceOnline(BORON.id, false);
    const offline = { statusCode: 408, body: { ok: false, error: 'timed out' } };
    await expect(
      particle.callFunction({ deviceId: BORON.id, name: 'led', argument: 'on' }),
    ).rejects.toMatchObject(offline);
    await expect(particle.getVariable({ deviceId: BORON.id, name: 'temperature' })).rejects.toMatchObject(
      offline,
    );
    expect((await particle.getDevice({ deviceId: BORON.id })).body).toMatchObject({ online: false });
  });

  it('pings and signals a device', async () => {
    fx.fake.addDevice(BORON);
    fx.fake.addDevice({ ...ARGON, owner: ALICE.username, online: false });
    const particle = sdk(await sdkLogin(ALICE));

    const online = await particle.put({ uri: `/v1/devices/${BORON.id}/ping` });
    const offline = await particle.put({ uri: `/v1/devices/${ARGON.id}/ping` });
    const signal = await particle.signalDevice({ deviceId: BORON.id, signal: true });

    expect(online.body).toEqual({ online: true, ok: true });
    expect(offline.body).toEqual({ online: false, ok: true });
    expect(signal.body).toMatchObject({ id: BORON.id, connected: true, signaling: true });
  });

  it('pages a product’s devices, 25 by default, and reaches them by the product paths', async () => {
    for (let index = 0; index < 30; index += 1) fx.fake.addDevice(productDevice(index));
    fx.fake.addProduct({ id: PRODUCT.productId ?? 0, slug: 'trackers' });
    const particle = sdk(await productToken());
    const tracker = productDevice(3);

    const first = await particle.listDevices({ product: 'trackers' });
    const second = await particle.listDevices({ product: PRODUCT.productId, page: 2, perPage: 25 });
    const device = await particle.getDevice({ deviceId: tracker.id, product: PRODUCT.productId });
    const battery = await particle.getVariable({
      deviceId: tracker.id,
      name: 'battery',
      product: 'trackers',
    });

    expect(first.body).toMatchObject({ meta: { page: 1, per_page: 25, total_pages: 2, total: 30 } });
    expect('devices' in first.body && first.body.devices).toHaveLength(25);
    expect('devices' in second.body && second.body.devices.map((listed) => listed.name)).toEqual(
      [25, 26, 27, 28, 29].map((index) => `tracker-${index}`),
    );
    expect(device.body).toMatchObject({ id: tracker.id, product_id: PRODUCT.productId });
    expect(battery.body.result).toBe(83);
    expect(fx.fake.requests.at(-3)).toMatchObject({ query: 'page=2&per_page=25' });
  });

  it('keeps product devices from other tokens (403) and from other products’ paths (404)', async () => {
    const tracker = productDevice(1);
    fx.fake.addDevice(tracker);
    fx.fake.addDevice(ARGON);
    const alice = sdk(await sdkLogin(ALICE));
    const product = sdk(await productToken());

    await expect(alice.listDevices({ product: PRODUCT.productId })).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(alice.getDevice({ deviceId: ARGON.id })).rejects.toMatchObject({ statusCode: 403 });
    await expect(product.getDevice({ deviceId: tracker.id, product: 99 })).rejects.toMatchObject({
      statusCode: 403,
    });
    fx.fake.addProduct({ id: 99, members: [BOB.username] });
    const bob = sdk(fx.fake.issueToken({ username: BOB.username }).accessToken);
    await expect(bob.getDevice({ deviceId: tracker.id, product: 99 })).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('describes the token’s user at /v1/user', async () => {
    fx.fake.addDevice(BORON);
    const { body } = await sdk(await sdkLogin(ALICE)).getUserInfo({});

    expect(body).toMatchObject({
      username: ALICE.username,
      mfa: { enabled: false },
      cellular_device_count: 1,
    });
  });

  it('answers 401 invalid_token for unknown, revoked and expired tokens on every device route', async () => {
    fx.fake.addDevice(BORON);
    const revoked = fx.fake.issueToken({ username: ALICE.username }).accessToken;
    fx.fake.revokeToken(revoked);
    const expired = fx.fake.issueToken({ username: ALICE.username, expiresInSeconds: 60 }).accessToken;
    fx.clock += 60_000;

    for (const token of ['0'.repeat(40), revoked, expired]) {
      const particle = sdk(token);
      for (const call of [
        particle.listDevices({}),
        particle.getDevice({ deviceId: BORON.id }),
        particle.callFunction({ deviceId: BORON.id, name: 'led', argument: 'on' }),
        particle.getVariable({ deviceId: BORON.id, name: 'temperature' }),
        particle.getUserInfo({}),
        particle.publishEvent({ name: 'x', data: 'y', isPrivate: true }),
      ]) {
        await expect(call).rejects.toMatchObject({ statusCode: 401, body: { error: 'invalid_token' } });
      }
    }
  });

  it('answers 403 where an API-user token lacks the route’s scope', async () => {
    fx.fake.addDevice(BORON);
    const { accessToken } = fx.fake.issueToken({
      username: ALICE.username,
      scope: 'devices:list events:get',
    });
    const particle = sdk(accessToken);

    expect((await particle.listDevices({})).statusCode).toBe(200);
    await expect(
      particle.callFunction({ deviceId: BORON.id, name: 'led', argument: 'on' }),
    ).rejects.toMatchObject({
      statusCode: 403,
      body: { error_description: 'The access token lacks the devices.function:call scope' },
    });
  });

  it('limits non-token routes when an API budget is set, and fails one token’s calls by a fault', async () => {
    await restartWith({ apiBudget: 2, apiWindowMs: 60_000 });
    fx.fake.addDevice(BORON);
    const alice = fx.fake.issueToken({ username: ALICE.username }).accessToken;
    const bob = fx.fake.issueToken({ username: BOB.username }).accessToken;
    fx.fake.injectFault({ kind: 'status', status: 503 }, { accessToken: bob, method: 'GET' });

    const bobs = await withBearer('/v1/devices', bob);
    const alices = await withBearer('/v1/devices', alice);
    const over = await withBearer('/v1/devices', bob);
    const token = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
    fx.clock += 60_000;
    const later = await withBearer('/v1/devices', alice);

    expect([bobs.status, alices.status, over.status, token.status, later.status]).toEqual([
      503, 200, 429, 200, 200,
    ]);
    expect(over.json.error).toBe('rate_limit_exceeded');
  });
});
