/** What Particle may put in an OAuth error code; anything else is not echoed anywhere. */
export const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/;

export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
}

/** The OAuth response in the callback's query; undefined when a field is repeated or not text. */
export function callbackParams(query: unknown): CallbackParams | undefined {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const out: CallbackParams = {};
  for (const key of ['code', 'state', 'error'] as const) {
    const value = q[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') return undefined;
    out[key] = value;
  }
  return out;
}
