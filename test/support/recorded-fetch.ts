import { leakRecorder } from './leak-check/recorder.js';

/**
 * `fetch` whose answer text also goes to the whole-run leak check, for calls that are not made through
 * `client()` (the proxy's answers are Particle's bodies, read raw): no Particle token may be in one.
 */
export async function recordedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  const text = await res.clone().text();
  leakRecorder.response({
    method: init.method ?? 'GET',
    path: new URL(url).pathname,
    status: res.status,
    text,
  });
  return res;
}
