/** Any key that names a credential: its value never reaches a log line, at any depth. */
export const SENSITIVE_KEY =
  /token|secret|password|passwd|otp|authorization|cookie|api[_-]?key|^key$|^code$|^state$/i;
const REDACTED = '[redacted]';
const MAX_DEPTH = 8;

/**
 * `value` with every field named like a credential blanked, at any depth. A plain object or array that
 * has nothing to blank comes back as it is (every log line and audit row passes through here, and most
 * have nothing to blank: copying them all was garbage on the token path); anything else is copied as a
 * plain object of its own fields, as before.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const list = value as unknown[];
    let copy: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      const redacted = redactDeep(v, depth + 1);
      if (redacted !== v) (copy ??= list.slice())[i] = redacted;
    }
    return copy ?? list;
  }
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  const proto: unknown = Object.getPrototypeOf(value);
  let copy: Record<string, unknown> | undefined =
    proto === Object.prototype || proto === null ? undefined : {};
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = record[k];
    const redacted = SENSITIVE_KEY.test(k) ? REDACTED : redactDeep(v, depth + 1);
    if (copy) copy[k] = redacted;
    else if (redacted !== v) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j] as string] = record[keys[j] as string];
      copy[k] = redacted;
    }
  }
  return copy ?? value;
}
