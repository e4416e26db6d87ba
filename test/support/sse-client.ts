import { get, type ClientRequest } from 'node:http';
import { leakRecorder } from './leak-check/recorder.js';

/**
 * An SSE subscriber for tests: everything it has read, and waits on it. node:http rather than fetch: an
 * aborted fetch makes undici open a spare connection that holds the server's close for a minute.
 */
export class SseClient {
  text = '';
  status = 0;
  contentType: string | null = null;
  private request: ClientRequest | undefined;
  private done: Promise<void> = Promise.resolve();
  ended = false;

  private path = '';

  static open(url: string, key: string): Promise<SseClient> {
    const client = new SseClient();
    client.path = new URL(url).pathname;
    return new Promise((resolve, reject) => {
      client.request = get(url, { headers: { authorization: `Bearer ${key}` }, agent: false }, (res) => {
        client.status = res.statusCode ?? 0;
        client.contentType = res.headers['content-type'] ?? null;
        res.setEncoding('utf8');
        client.done = new Promise((ended) => {
          res.on('data', (chunk: string) => (client.text += chunk));
          res.once('close', () => {
            client.ended = true;
            ended();
          });
        });
        resolve(client);
      });
      client.request.once('error', reject);
    });
  }

  /** The `data:` payloads of the `event:` frames named `name`, parsed. */
  events(name: string): { data: string | null; coreid: string }[] {
    // The last piece is an unfinished frame (or empty): only whole frames count.
    return this.text
      .split('\n\n')
      .slice(0, -1)
      .filter((frame) => frame.startsWith(`event: ${name}\n`))
      .map((frame) => JSON.parse(frame.split('\n')[1]?.slice('data: '.length) ?? 'null') as never);
  }

  async until(condition: (c: SseClient) => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this)) {
      if (Date.now() > deadline)
        throw new Error(`SSE condition not met; read so far: ${this.text.slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Also hands what was read to the whole-run leak check: no Particle token may be in a stream. */
  async close(): Promise<void> {
    this.request?.destroy();
    await this.done;
    leakRecorder.response({ method: 'GET', path: this.path, status: this.status, text: this.text });
  }
}
