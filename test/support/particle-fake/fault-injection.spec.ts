import { describe, expect, it } from 'vitest';
import { ParticleFake } from '../particle-fake.js';
import { PRODUCT, fx, restartWith, send, postToken, withBearer, useFreshFake } from './spec-support.js';

useFreshFake();

describe(`${ParticleFake.name}: fault injection`, () => {
  it('answers status faults with JSON, an HTML page or a given body, as many times as asked', async () => {
    const { accessToken } = fx.fake.issueToken({});
    fx.fake.injectFault({ kind: 'status', status: 503 }, { path: '/v1/devices', times: 1 });
    fx.fake.injectFault(
      { kind: 'status', status: 502, html: true },
      { path: /^\/v1\/access_tokens/, times: 1 },
    );
    fx.fake.injectFault(
      { kind: 'status', status: 500, body: { ok: false } },
      { path: '/v1/clients', times: 1 },
    );

    const json = await withBearer('/v1/devices', accessToken);
    const html = await withBearer('/v1/access_tokens/current', accessToken);
    const given = await withBearer('/v1/clients', accessToken);
    const healed = await withBearer('/v1/devices', accessToken);

    expect(json.status).toBe(503);
    expect(json.json.error).toBe('server_error');
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('502 Bad Gateway');
    expect(given.status).toBe(500);
    expect(given.json).toEqual({ ok: false });
    expect(healed.status).toBe(200);
  });

  it('counts faults on the token endpoint, and only there, as failed token calls', async () => {
    const { accessToken } = fx.fake.issueToken({});
    fx.fake.injectFault({ kind: 'status', status: 429 }, { path: '/oauth/token', times: 2 });
    fx.fake.injectFault({ kind: 'status', status: 503 }, { path: '/v1/devices', times: 1 });

    const first = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
    await postToken({ grant_type: 'client_credentials' }, PRODUCT);
    await withBearer('/v1/devices', accessToken);

    expect(first.status).toBe(429);
    expect(fx.fake.consecutiveFailures).toBe(2);
    expect(fx.fake.tokenCalls({ ok: false })).toBe(2);
  });

  it('skips faults whose rate loses and stops applying cleared faults', async () => {
    fx.fake.injectFault({ kind: 'status', status: 500 }, { rate: 0 });
    const rateZero = await postToken({ grant_type: 'client_credentials' }, PRODUCT);
    fx.fake.injectFault({ kind: 'status', status: 500 });
    fx.fake.clearFaults();
    const cleared = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

    expect([rateZero.status, cleared.status]).toEqual([200, 200]);
  });

  it('holds a timeout fault open until the client aborts', async () => {
    fx.fake.injectFault({ kind: 'timeout' }, { path: '/oauth/token' });
    const controller = new AbortController();

    const pending = postToken({ grant_type: 'client_credentials' }, { ...PRODUCT, secret: 'held' });
    const aborted = fetch(`${fx.fake.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
      signal: controller.signal,
    });
    const outcome = expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    setTimeout(() => controller.abort(), 200);
    await outcome;
    const stillHeld = expect(pending).rejects.toThrow(TypeError);
    await fx.fake.close();

    await stillHeld;
    expect(fx.fake.requests.map((request) => request.status)).toEqual([0, 0]);
    expect(fx.fake.consecutiveFailures).toBe(0);
  });

  it('delays a slow fault and then answers normally', async () => {
    const { accessToken } = fx.fake.issueToken({ clientId: PRODUCT.id });
    fx.fake.injectFault({ kind: 'slow', ms: 300 }, { path: '/v1/access_tokens/current', times: 2 });

    const impatient = withBearer('/v1/access_tokens/current', accessToken, {
      signal: AbortSignal.timeout(50),
    });
    await expect(impatient).rejects.toMatchObject({ name: 'TimeoutError' });
    const patient = await withBearer('/v1/access_tokens/current', accessToken);

    expect(patient.status).toBe(200);
    expect(patient.json.client_id).toBe(PRODUCT.id);
  });

  it('counts a late reply as it arrives, before calls that overtake its answer', async () => {
    fx.fake.injectFault({ kind: 'late_reply', ms: 300 }, { path: '/oauth/token', times: 1 });

    const late = postToken({ grant_type: 'client_credentials' }, PRODUCT);
    while (fx.fake.tokenCalls() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const failed = await postToken({ grant_type: 'client_credentials' }, { ...PRODUCT, secret: 'wrong' });
    const beforeLateAnswer = fx.fake.consecutiveFailures;

    expect(failed.status).toBe(400);
    expect((await late).status).toBe(200);
    expect([beforeLateAnswer, fx.fake.consecutiveFailures]).toEqual([1, 1]);
  });

  it('destroys the socket for a reset fault', async () => {
    fx.fake.injectFault({ kind: 'reset' }, { path: '/oauth/token', times: 1 });

    await expect(postToken({ grant_type: 'client_credentials' }, PRODUCT)).rejects.toThrow(TypeError);
    const next = await postToken({ grant_type: 'client_credentials' }, PRODUCT);

    expect(next.status).toBe(200);
    expect(fx.fake.tokenCalls()).toBe(2);
    expect(fx.fake.tokenCalls({ ok: true })).toBe(1);
  });

  it('adds latencyMs before every answer without changing it', async () => {
    await restartWith({ latencyMs: 300 });

    const patient = postToken({ grant_type: 'client_credentials' }, PRODUCT);
    const timedOut = send('/v1/devices', { signal: AbortSignal.timeout(50) });

    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await patient).status).toBe(200);
  });
});
