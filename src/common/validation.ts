import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error.js';

export interface FieldErrors {
  field: string;
  messages: string[];
}

/**
 * A DTO class on a hot path may check a body itself instead of going through class-transformer and
 * class-validator (about a tenth of the token endpoint's CPU, measured in bench/README.md): a static
 * `checkPlain(value)` that answers the offending fields, with the same messages as its decorators, which
 * stay on the class for the OpenAPI document, and reads lenient forms (common/lenient-input.ts) into the
 * contract's types in place, as the decorators' transforms do. The value is then handed on as the plain
 * object it is.
 */
export interface PlainChecked {
  checkPlain(value: Record<string, unknown>): FieldErrors[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldErrors[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

function invalid(fields: FieldErrors[]): ApiError {
  return ApiError.validation(`Invalid fields: ${fields.map((f) => f.field).join(', ')}`, fields);
}

function isPlainChecked(metatype: unknown): metatype is PlainChecked {
  return typeof (metatype as Partial<PlainChecked> | undefined)?.checkPlain === 'function';
}

/** Deeper than any DTO here; class-transformer recurses once per level and overflows the stack at ~5000. */
const MAX_DEPTH = 32;

function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  for (const v of Object.values(value as Record<string, unknown>)) if (deeperThan(v, limit - 1)) return true;
  return false;
}

class AppValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    // A custom parameter (a handler's SuccessAudit) is the app's own object, not input to check.
    if (metadata.type === 'custom') return Promise.resolve(value);
    // A path parameter declared as a string (every route's ids): what ValidationPipe would answer, String of
    // the string, without its async detour through the validators (the token endpoint has one per request).
    if (metadata.type === 'param' && metatype === String && typeof value === 'string') {
      return Promise.resolve(value);
    }
    if (metadata.type !== 'body' || !isPlainChecked(metatype)) {
      if (deeperThan(value, MAX_DEPTH)) {
        return Promise.reject(invalid([{ field: 'body', messages: ['body is nested too deeply'] }]));
      }
      return super.transform(value, metadata);
    }
    // As ValidationPipe does: no body is an empty one.
    const body = value ?? {};
    if (typeof body !== 'object' || Array.isArray(body) || Object.getPrototypeOf(body) !== Object.prototype) {
      return Promise.reject(invalid([{ field: 'body', messages: ['body must be a JSON object'] }]));
    }
    const fields = metatype.checkPlain(body as Record<string, unknown>);
    return fields.length > 0 ? Promise.reject(invalid(fields)) : Promise.resolve(body);
  }
}

/** Rejects unknown fields and lists every offending field in one 400 `validation_failed`. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => invalid(flatten(errors)),
  });
}
