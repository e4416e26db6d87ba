import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ByteCount, countWhenPiped } from './proxy-body.js';

/** What the caller saw: the bytes that arrived, and whether the answer ended or was cut. */
function get(url: string): Promise<{ bytes: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.once('end', () => resolve({ bytes, complete: res.complete }));
      res.once('error', () => resolve({ bytes, complete: false }));
    })
      .once('error', reject)
      .end();
  });
}

describe(countWhenPiped.name, () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  /** A server answering with `source` as the proxy does: counted, then sent as the reply's stream. */
  async function serve(source: () => Readable): Promise<{ url: string; counted: () => ByteCount }> {
    let counted: ByteCount | undefined;
    app = Fastify();
    app.get('/', (_request, reply) => {
      const stream = source();
      counted = countWhenPiped(stream, reply.raw);
      return reply.send(stream);
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, counted: () => counted as ByteCount };
  }

  it('counts every byte of an answer that reaches the caller whole', async () => {
    const chunks = [Buffer.alloc(3000, 'a'), Buffer.alloc(70_000, 'b'), Buffer.alloc(5, 'c')];
    const { url, counted } = await serve(() => Readable.from(chunks));
    const seen = await get(url);
    expect(seen).toEqual({ bytes: 73_005, complete: true });
    expect(counted().count).toBe(73_005);
  });

  it("cuts the caller's answer when Particle's fails midway, and counts what went", async () => {
    const { url, counted } = await serve(() => {
      let sent = false;
      return new Readable({
        read() {
          if (sent) return;
          sent = true;
          this.push(Buffer.alloc(1000, 'a'));
          setTimeout(() => this.destroy(new Error('upstream socket closed')), 20);
        },
      });
    });
    const seen = await get(url);
    expect(seen.complete).toBe(false);
    expect(seen.bytes).toBe(1000);
    expect(counted().count).toBe(1000);
  });
});
