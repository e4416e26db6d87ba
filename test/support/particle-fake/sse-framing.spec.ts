import { afterEach, describe, expect, it } from 'vitest';
import { KEEP_ALIVE, ParticleFake, STREAM_OPENING } from '../particle-fake.js';
import { ALICE, BORON, START, fx, restartWith, useFreshFake, withBearer } from './spec-support.js';

useFreshFake();

/** A stream read with plain fetch, so the bytes on the wire are what the test sees. */
interface RawStream {
  status: number;
  contentType: string | null;
  /** Reads until the text so far ends with `suffix`; everything read so far. */
  readUntil(suffix: string): Promise<string>;
  /** Resolves with what arrived after `readUntil` once the server ends the body; rejects if it is cut. */
  readToEnd(): Promise<string>;
}

const controllers: AbortController[] = [];
afterEach(() => {
  for (const controller of controllers.splice(0)) controller.abort();
});

async function openRaw(path: string, token: string): Promise<RawStream> {
  const controller = new AbortController();
  controllers.push(controller);
  const res = await fetch(`${fx.fake.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  if (!res.body) throw new Error('no body');
  // Node's fetch types its body chunks as any; they are bytes.
  const reader = res.body.getReader() as { read(): Promise<{ done: boolean; value?: Uint8Array }> };
  const decoder = new TextDecoder();
  let text = '';
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async readUntil(suffix) {
      while (!text.endsWith(suffix)) {
        const { done, value } = await reader.read();
        if (done)
          throw new Error(`stream ended before ${JSON.stringify(suffix)}; got ${JSON.stringify(text)}`);
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    async readToEnd() {
      const before = text.length;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text.slice(before);
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe(`${ParticleFake.name}: event stream framing on the wire`, () => {
  it('opens with :ok, then frames a form-published event with its name, data, ttl, time and coreid', async () => {
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });
    const stream = await openRaw('/v1/devices/events/door', accessToken);
    const opening = await stream.readUntil(STREAM_OPENING);
    fx.clock += 1_000;

    const published = await withBearer('/v1/devices/events', accessToken, {
      method: 'POST',
      body: new URLSearchParams({ name: 'door-open', data: 'front', private: 'true', ttl: '30' }),
    });
    await withBearer('/v1/devices/events', accessToken, {
      method: 'POST',
      body: new URLSearchParams({ name: 'window-open' }),
    });
    fx.fake.publish({ name: 'door-closed', username: ALICE.username });

    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream');
    expect(opening).toBe(':ok\n\n');
    expect(published.json).toEqual({ ok: true });
    const at = new Date(START + 1_000).toISOString();
    const closed = `event: door-closed\ndata: {"data":null,"ttl":60,"published_at":"${at}","coreid":"api"}\n\n`;
    // The window event in between does not match the prefix, so nothing stands between the two frames.
    expect(await stream.readUntil(closed)).toBe(
      `:ok\n\nevent: door-open\ndata: {"data":"front","ttl":30,"published_at":"${at}","coreid":"api"}\n\n` +
        closed,
    );
  });

  it('sends a keep-alive comment at the configured interval while nothing is published', async () => {
    await restartWith({ keepAliveMs: 20 });
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });
    const stream = await openRaw('/v1/events', accessToken);

    expect(await stream.readUntil(STREAM_OPENING + KEEP_ALIVE + KEEP_ALIVE)).toBe(':ok\n\n:\n\n:\n\n');
  });

  it('ends open streams on close(), and cuts them without an end on an abrupt drop', async () => {
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });
    const cut = await openRaw('/v1/events', accessToken);
    await cut.readUntil(STREAM_OPENING);

    expect(fx.fake.dropStreams({ abrupt: true })).toBe(1);
    await expect(cut.readToEnd()).rejects.toThrow();
    const ended = await openRaw('/v1/events', accessToken);
    await ended.readUntil(STREAM_OPENING);
    await fx.fake.close();

    expect(await ended.readToEnd()).toBe('');
    expect(fx.fake.openStreams()).toBe(0);
  });

  it('answers 404 for an unknown device’s stream, 403 for a product it may not use, and honours faults', async () => {
    fx.fake.addDevice(BORON);
    const { accessToken } = fx.fake.issueToken({ username: ALICE.username });
    fx.fake.injectFault({ kind: 'status', status: 502, html: true }, { path: '/v1/events', times: 1 });

    const unknown = await withBearer('/v1/devices/ffffffffffffffffffffffff/events', accessToken);
    const product = await withBearer('/v1/products/1234/events', accessToken);
    const faulted = await withBearer('/v1/events', accessToken);
    const healed = await openRaw(`/v1/devices/${BORON.id}/events/temp`, accessToken);

    expect([unknown.status, product.status, faulted.status, healed.status]).toEqual([404, 403, 502, 200]);
    expect(faulted.headers.get('content-type')).toContain('text/html');
    expect(fx.fake.streamOpens()).toBe(1);
    expect(fx.fake.streamOpens(`/v1/devices/${BORON.id}/events/temp`)).toBe(1);
  });
});
