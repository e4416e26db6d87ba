import { Injectable } from '@nestjs/common';

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
 * event replayed to wherever it points); the timeout covers the whole exchange, body included.
 */
@Injectable()
export class WebhookSender {
  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<SendResult> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await drain(res);
      if (res.status >= 200 && res.status < 300) return { statusCode: res.status, error: null };
      const why = res.status >= 300 && res.status < 400 ? 'redirect not followed' : 'not a 2xx answer';
      return { statusCode: res.status, error: `HTTP ${res.status}: ${why}` };
    } catch (err) {
      return { statusCode: null, error: describe(err, timeoutMs) };
    }
  }
}

async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let read = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    read += chunk.value.length;
    if (read > MAX_RESPONSE_BYTES) {
      await reader.cancel();
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
