/** Any key that names a credential: its value never reaches a log line, at any depth. */
export const SENSITIVE_KEY =
  /token|secret|password|passwd|otp|authorization|cookie|api[_-]?key|^key$|^code$|^state$/i;
const REDACTED = '[redacted]';
const MAX_DEPTH = 8;

export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}
