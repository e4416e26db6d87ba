import { mediaType } from './replies.js';
import type { IncomingCall } from './types.js';

/**
 * A body's fields, form-encoded or JSON, as Particle reads both; undefined when the body is neither.
 * JSON strings always count; `primitives` also takes numbers and booleans, as the SDK sends a `ttl` or a
 * `private` flag, in their string form as a form would carry them.
 */
export function fieldsOf(call: IncomingCall, primitives = false): Record<string, string> | undefined {
  if (call.form) return call.form;
  if (mediaType(call.headers) !== 'application/json') return call.body ? undefined : {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') fields[key] = value;
    else if (primitives && (typeof value === 'number' || typeof value === 'boolean'))
      fields[key] = String(value);
  }
  return fields;
}
