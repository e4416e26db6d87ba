import { leakRecorder } from './leak-check/recorder.js';
import { isApiKeyIssuance, isWebhookSecretIssuance, webhookSecretKey } from './leak-check/records.js';

/** An API key as the broker makes them (and the tests' bootstrap key): long enough to search for safely. */
const API_KEY = /^ptb_[A-Za-z0-9_-]{20,}$/;
const SESSION_COOKIE = /(?:^|;\s*)ptb_session=([^;]+)/;

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface HttpOptions {
  key?: string;
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body` (for malformed-input tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * Calls the API over real HTTP; every response text is also kept in `seen` for the file's own leak checks,
 * and recorded with its method, path and status for the whole-run one, which also learns every webhook
 * secret a response hands out.
 */
export function client(baseUrl: string, seen: string[] = []) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: HttpOptions = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    seen.push(text);
    leakRecorder.response({ method, path, status: res.status, text });
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    // The broker makes webhook secrets, API keys and console sessions: the whole-run check learns them
    // here, where they are handed out (or, for a key signing in to the console, handed in).
    const secret = (parsed as { secret?: unknown } | undefined)?.secret;
    if (isWebhookSecretIssuance({ method, path, status: res.status }) && typeof secret === 'string') {
      leakRecorder.secret('webhook_secret', webhookSecretKey(secret));
    }
    const key = (parsed as { key?: unknown } | undefined)?.key;
    if (isApiKeyIssuance({ method, path, status: res.status }) && typeof key === 'string') {
      leakRecorder.secret('api_key', key);
    }
    const signingIn = (options.body as { api_key?: unknown } | undefined)?.api_key;
    if (path.startsWith('/v1/console/session') && typeof signingIn === 'string' && API_KEY.test(signingIn)) {
      leakRecorder.secret('api_key', signingIn);
    }
    for (const cookie of res.headers.getSetCookie()) {
      const session = SESSION_COOKIE.exec(cookie)?.[1];
      if (session) leakRecorder.secret('console_session', session);
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
}

export type Call = ReturnType<typeof client>;
