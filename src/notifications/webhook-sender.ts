import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Agent, request, type Dispatcher } from 'undici';

export interface SendResult {
  /** The receiver's status, when it answered. */
  statusCode: number | null;
  /** Why it did not count as delivered; null for a 2xx. */
  error: string | null;
}

/** Read at most this much of a receiver's answer: nothing of it is kept, and keep-alive needs it drained. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one signed delivery. Redirects are not followed (a receiver moving would otherwise get a signed
 * event replayed to wherever it points; undici's `request` never follows one); the timeout covers the
 * whole exchange, body included.
 *
 * undici's `request` rather than `fetch`: the same client underneath without the WHATWG layer (a Request,
 * a Response, web streams and their promises per delivery), which was most of a replica's CPU per
 * delivery in bench:webhooks. Its own Agent keeps the receivers' connections alive apart from the rest of
 * the process, and is closed with the app.
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly agent: Dispatcher = new Agent({ keepAliveTimeout: 30_000 });

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<SendResult> {
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await drain(res.body);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { statusCode: status, error: null };
      const why = status >= 300 && status < 400 ? 'redirect not followed' : 'not a 2xx answer';
      return { statusCode: status, error: `HTTP ${status}: ${why}` };
    } catch (err) {
      return { statusCode: null, error: describe(err, timeoutMs) };
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }
}

/** Reads the answer to its end, or destroys it past MAX_RESPONSE_BYTES (its connection is then closed). */
async function drain(body: Dispatcher.ResponseData['body']): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += (chunk as Buffer).length;
    if (read > MAX_RESPONSE_BYTES) {
      body.destroy();
      return;
    }
  }
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms (WEBHOOK_TIMEOUT_MS)`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `connection failed: ${code}` : 'connection failed';
}
