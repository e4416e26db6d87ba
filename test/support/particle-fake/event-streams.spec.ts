import type Particle from 'particle-api-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import {
  ALICE,
  BORON,
  PRODUCT,
  fx,
  postToken,
  productDevice,
  restartWith,
  sdk,
  sdkLogin,
  str,
  until,
  useFreshFake,
} from './spec-support.js';

useFreshFake();

type EventStream = Awaited<ReturnType<Particle['getEventStream']>>;

interface StreamEvent {
  name: string;
  data: string | null;
  ttl: number;
  published_at: string;
  coreid: string;
}

/** Every SDK stream a test opened; aborted before the fake closes, or the SDK would reconnect for ever. */
const opened: EventStream[] = [];
afterEach(() => {
  for (const stream of opened.splice(0)) stream.abort();
});

async function track(pending: Promise<EventStream>): Promise<EventStream> {
  const stream = await pending;
  opened.push(stream);
  return stream;
}

function nextEvent(stream: EventStream): Promise<StreamEvent> {
  return new Promise((resolve) => stream.once('event', resolve));
}

describe(`${ParticleFake.name}: event streams through particle-api-js`, () => {
  it('delivers an event published with the SDK to the owner’s stream, as Particle frames it', async () => {
    const particle = sdk(await sdkLogin(ALICE));
    const stream = await track(particle.getEventStream({ deviceId: 'mine' }));
    const received = nextEvent(stream);

    const published = await particle.publishEvent({ name: 'greeting', data: 'hello', isPrivate: true });

    expect(published.body).toEqual({ ok: true });
    expect(await received).toEqual({
      name: 'greeting',
      data: 'hello',
      ttl: 60,
      published_at: new Date(fx.clock).toISOString(),
      coreid: 'api',
    });
    expect(fx.fake.requests.find((request) => request.path === '/v1/devices/events')).toMatchObject({
      method: 'GET',
      status: 200,
      query: expect.stringMatching(/^nonce=/) as unknown,
    });
  });

  it('passes only events whose name starts with the prefix, from the devices the stream names', async () => {
    fx.fake.addDevice(BORON);
    fx.fake.addDevice({ ...BORON, id: 'e00fce68bbbbbbbbbbbbbbbb', name: 'second-boron' });
    const particle = sdk(await sdkLogin(ALICE));
    const prefixed = await track(particle.getEventStream({ name: 'temp' }));
    const ofDevice = await track(particle.getEventStream({ deviceId: BORON.id }));
    const fromPrefixed = nextEvent(prefixed);
    const fromDevice = nextEvent(ofDevice);

    fx.fake.publish({ name: 'humidity', data: '40', coreid: BORON.id });
    fx.fake.publish({ name: 'temperature', data: '21', coreid: 'e00fce68bbbbbbbbbbbbbbbb' });

    expect(await fromPrefixed).toMatchObject({ name: 'temperature', coreid: 'e00fce68bbbbbbbbbbbbbbbb' });
    expect(await fromDevice).toMatchObject({ name: 'humidity', data: '40', coreid: BORON.id });
    expect(fx.fake.openStreams()).toBe(2);
    expect(fx.fake.openStreams('/v1/events/temp')).toBe(1);
  });

  it('streams a product’s events to its own tokens', async () => {
    const tracker = productDevice(1);
    fx.fake.addDevice(tracker);
    const token = str((await postToken({ grant_type: 'client_credentials' }, PRODUCT)).json.access_token);
    const stream = await track(sdk(token).getEventStream({ product: PRODUCT.productId }));
    const received = nextEvent(stream);

    expect(fx.fake.publish({ name: 'mine-only', username: ALICE.username })).toBe(0);
    expect(fx.fake.publish({ name: 'location', data: '{"lat":1}', coreid: tracker.id })).toBe(1);

    expect(await received).toMatchObject({ name: 'location', data: '{"lat":1}', coreid: tracker.id });
  });

  it('refuses a stream with a bad token (401), and keeps one whose token is revoked later', async () => {
    const token = await sdkLogin(ALICE);
    const stream = await track(sdk(token).getEventStream({ deviceId: 'mine' }));
    fx.fake.revokeToken(token);
    const received = nextEvent(stream);

    await expect(sdk(token).getEventStream({ deviceId: 'mine' })).rejects.toMatchObject({
      statusCode: 401,
      body: { error: 'invalid_token' },
    });
    fx.fake.publish({ name: 'still-open', username: ALICE.username });

    expect((await received).name).toBe('still-open');
  });

  it('lets the SDK reconnect after dropStreams and deliver again', async () => {
    const stream = await track(sdk(await sdkLogin(ALICE)).getEventStream({ deviceId: 'mine' }));
    const reconnected = new Promise((resolve) => stream.once('reconnect-success', resolve));

    expect(fx.fake.dropStreams()).toBe(1);
    expect(fx.fake.openStreams()).toBe(0);
    await reconnected;
    const received = nextEvent(stream);
    fx.fake.publish({ name: 'after-drop', username: ALICE.username });

    expect((await received).name).toBe('after-drop');
    expect(fx.fake.streamOpens('/v1/devices/events')).toBe(2);
    expect(fx.fake.openStreams('/v1/devices/events')).toBe(1);
  });

  it('answers 429 beyond the open-stream limit and beyond the opens of a window', async () => {
    await restartWith({ streamLimit: 2, streamOpenBudget: 3, streamWindowMs: 60_000 });
    const particle = sdk(await sdkLogin(ALICE));
    const first = await track(particle.getEventStream({ name: 'a' }));
    const second = await track(particle.getEventStream({ name: 'b' }));

    const beyondLimit = particle.getEventStream({ name: 'c' });
    await expect(beyondLimit).rejects.toMatchObject({
      statusCode: 429,
      body: { error: 'rate_limit_exceeded' },
    });
    first.abort();
    await until(() => fx.fake.openStreams() === 1);
    await track(particle.getEventStream({ name: 'd' }));
    second.abort();
    await until(() => fx.fake.openStreams() === 1);
    const beyondBudget = particle.getEventStream({ name: 'e' });
    await expect(beyondBudget).rejects.toMatchObject({ statusCode: 429 });
    fx.clock += 60_000;
    await track(particle.getEventStream({ name: 'f' }));

    expect(fx.fake.streamOpens()).toBe(4);
    expect(fx.fake.openStreams()).toBe(2);
  });
});
