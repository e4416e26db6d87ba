import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ApiError } from './api-error.js';

/**
 * No field of this API is multi-line or binary, so every C0 control (tabs and newlines too), DEL and every
 * C1 control is refused. PostgreSQL cannot store U+0000 in text at all (a NUL would fail the query with a
 * 500), and the others are never part of an id, a name, an email or a secret that a person typed.
 */
function hasControlCharacter(s: string): boolean {
  // A plain loop rather than a regular expression: the strings are short, and the loop needs no lint
  // exception for control characters in a pattern.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** As deep as the validation pipe allows (common/validation.ts); a deeper body is refused as such. */
const MAX_DEPTH = 32;
const TOO_DEEP = Symbol('too deep');

/** The path of the first string (value or key) holding a control character, `TOO_DEEP`, or undefined. */
function offendingPath(value: unknown, path: string, depth: number): string | typeof TOO_DEEP | undefined {
  if (typeof value === 'string') return hasControlCharacter(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = offendingPath(value[i], `${path}[${i}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const at = path ? `${path}.${key}` : key;
    if (hasControlCharacter(key)) return at;
    const found = offendingPath(record[key], at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether `value` holds a control character or is too deep, building no path strings (the hot path). */
function offends(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return hasControlCharacter(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (offends(value[i], depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (hasControlCharacter(key) || offends(record[key], depth + 1)) return true;
  return false;
}

/** The 400 for the first path parameter, query parameter or body field holding a control character. */
export function controlCharacterError(...inputs: unknown[]): ApiError | undefined {
  for (const input of inputs) {
    if (!offends(input, 0)) continue;
    const found = offendingPath(input, '', 0);
    if (found === TOO_DEEP) {
      return ApiError.validation('Invalid fields: body', [
        { field: 'body', messages: ['body is nested too deeply'] },
      ]);
    }
    if (found !== undefined) {
      const field = found || 'body';
      return ApiError.validation(`Invalid fields: ${field}`, [
        { field, messages: [`${field} must not contain control characters (U+0000-U+001F, U+007F-U+009F)`] },
      ]);
    }
  }
  return undefined;
}

function isStream(body: unknown): boolean {
  return typeof (body as { pipe?: unknown } | null)?.pipe === 'function';
}

/**
 * One check for every route, before guards, interceptors and pipes: a new field or parameter cannot forget
 * it, and nothing (an audit row of the refusal included) ever carries the byte to PostgreSQL. A callback
 * hook, not an async one, and a scan of the few short strings a request has: cheap on the token path.
 */
export function registerControlCharacterCheck(fastify: FastifyInstance): void {
  fastify.addHook(
    'preValidation',
    (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      // A stream is a body passed through unread (the Particle proxy's): Particle judges its bytes.
      const body = isStream(request.body) ? undefined : request.body;
      done(controlCharacterError(request.params, request.query, body));
    },
  );
}
