import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSender } from './webhook-sender.js';

/** A loopback receiver whose answer each test picks by path. */
describe('WebhookSender', () => {
  let server: Server;
  let base: string;
  const sender = new WebhookSender();
  let redirectTargetHits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === '/ok') return void res.writeHead(204).end();
      if (req.url === '/moved') return void res.writeHead(302, { location: '/target' }).end();
      if (req.url === '/target') {
        redirectTargetHits++;
        return void res.writeHead(200).end();
      }
      if (req.url === '/fail') return void res.writeHead(500).end('no');
      // An answer far larger than the broker reads of it: the send must finish anyway.
      if (req.url === '/huge') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let left = 64;
        const more = (): void => {
          while (left-- > 0) if (!res.write(chunk)) return void res.once('drain', more);
          res.end();
        };
        return void more();
      }
      // '/slow': never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await sender.onModuleDestroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, timeoutMs = 2000) =>
    sender.post(`${base}${path}`, { 'content-type': 'application/json' }, '{"a":1}', timeoutMs);

  it('counts a 2xx as delivered', async () => {
    expect(await post('/ok')).toEqual({ statusCode: 204, error: null });
  });

  it('does not follow a redirect', async () => {
    expect(await post('/moved')).toEqual({ statusCode: 302, error: 'HTTP 302: redirect not followed' });
    expect(redirectTargetHits).toBe(0);
  });

  it('reports a non-2xx answer with its status', async () => {
    expect(await post('/fail')).toEqual({ statusCode: 500, error: 'HTTP 500: not a 2xx answer' });
  });

  it('stops reading an answer past its bound and still counts the status', async () => {
    expect(await post('/huge')).toEqual({ statusCode: 200, error: null });
  });

  it('gives up after the timeout', async () => {
    expect(await post('/slow', 300)).toEqual({
      statusCode: null,
      error: 'no answer within 300 ms (WEBHOOK_TIMEOUT_MS)',
    });
  });

  it('names a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await sender.post(`http://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(result).toEqual({ statusCode: null, error: 'connection failed: ECONNREFUSED' });
  });
});
