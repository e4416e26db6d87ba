import type { IncomingMessage } from 'node:http';
import { pipeline, Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { ApiError } from '../common/api-error.js';

/** Bodies up to this size are read whole before forwarding, so a 401 can be retried (design.md §11). */
export const RETRYABLE_BODY_BYTES = 64 * 1024;

export type ProxyBody =
  | { kind: 'none' }
  | { kind: 'buffered'; bytes: Buffer }
  /** Passed through as it arrives, counted against the limit; a 401 is not retried. */
  | { kind: 'streamed'; stream: Readable };

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    'validation_failed',
    `The request body is larger than PROXY_MAX_BODY_BYTES (${maxBytes})`,
    {
      status: 413,
    },
  );
}

/** Errors the stream once more than `maxBytes` have passed, which aborts the upstream request. */
class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) done(tooLarge(this.maxBytes));
    else done(null, chunk);
  }
}

function readWhole(stream: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        stream.destroy();
        reject(tooLarge(maxBytes));
      } else chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks, length)));
    stream.once('error', reject);
  });
}

/**
 * Decides how the request's body travels. `raw` is the unread request (the proxy's content-type parser
 * hands it over as it is); a declared length over the limit is refused before a byte is read.
 */
export async function proxyBody(
  raw: unknown,
  request: IncomingMessage,
  maxBytes: number,
): Promise<ProxyBody> {
  if (!(raw instanceof Readable)) return { kind: 'none' };
  const declared = request.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && length > maxBytes) throw tooLarge(maxBytes);
  if (length !== undefined && length <= RETRYABLE_BODY_BYTES) {
    const bytes = await readWhole(raw, Math.min(length, RETRYABLE_BODY_BYTES));
    return bytes.length === 0 ? { kind: 'none' } : { kind: 'buffered', bytes };
  }
  const limited = new ByteLimit(maxBytes);
  // pipeline, not pipe: an error on either side destroys both (and so aborts the upstream request).
  pipeline(raw, limited, () => undefined);
  return { kind: 'streamed', stream: limited };
}

/** How many bytes of Particle's answer went to the caller, for the audit row (an answer without a length). */
export class ByteCount {
  count = 0;
}

/**
 * Counts Particle's answer as Fastify pipes it to the caller (`reply.send(stream)`), with a second `data`
 * listener beside the pipe's own rather than a stream in between: a Transform here, and its pipe to the
 * response, cost about a twentieth of a small proxied GET's CPU (bench/README.md, proxy, session 7).
 * The listener goes on when the pipe does (the response's `pipe` event), never before: a `data` listener
 * alone would start the answer flowing to it and not to the caller. An error or an early end on either
 * side is Fastify's to handle, as for an answer with a length: the caller's response is cut, the other
 * side destroyed.
 */
export function countWhenPiped(source: Readable, response: Writable): ByteCount {
  const counted = new ByteCount();
  const onPipe = (piped: Readable): void => {
    if (piped !== source) return;
    response.removeListener('pipe', onPipe);
    source.on('data', (chunk: Buffer) => {
      counted.count += chunk.length;
    });
  };
  response.on('pipe', onPipe);
  return counted;
}
