import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { ApiError } from '../common/api-error.js';
import { knownProblem } from '../common/known-problem.js';
import type { AuditOutcome } from './audit-event.entity.js';
import { AuditRecord, AuditService } from './audit.service.js';

export interface AuditContext {
  params: Record<string, string | undefined>;
  body: Record<string, unknown>;
  result: Record<string, unknown> | undefined;
}

export interface AuditedOptions {
  tenant?: (c: AuditContext) => string | null | undefined;
  target?: (c: AuditContext) => string | null | undefined;
  /** Only non-secret facts: ids, kinds, counts. */
  details?: (c: AuditContext) => Record<string, unknown>;
}

const AUDITED = 'audit:action';

/**
 * Marks an admin endpoint: its outcome (success or failure) is audited before the response leaves. The
 * handler binds the interceptor itself: a global interceptor would put every route, the token endpoint
 * too, through Nest's rxjs chain (about a fifth of that endpoint's CPU, bench/README.md).
 */
export const Audited = (action: string, options: AuditedOptions = {}): MethodDecorator =>
  applyDecorators(SetMetadata(AUDITED, { action, options }), UseInterceptors(AuditedInterceptor));

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface AuditedMeta {
  action: string;
  options: AuditedOptions;
}

/** The `@Audited` metadata of a handler, so the CLI audits a call exactly as the endpoint does. */
export function auditedMetaOf(handler: object): AuditedMeta | undefined {
  return Reflect.getMetadata(AUDITED, handler) as AuditedMeta | undefined;
}

/** One audit row for a call of an `@Audited` handler, from the API or the CLI alike. */
export function auditRecordFor(
  meta: AuditedMeta,
  c: AuditContext,
  call: { actor: string; requestId: string | null; outcome: AuditOutcome; error?: ApiError | undefined },
): AuditRecord {
  const { options } = meta;
  return {
    actor: call.actor,
    action: meta.action,
    outcome: call.outcome,
    requestId: call.requestId,
    tenantId: options.tenant
      ? options.tenant(c)
      : (str(c.result?.tenant_id) ?? str(c.body.tenant_id) ?? null),
    target: options.target ? options.target(c) : (str(c.result?.id) ?? c.params.id ?? null),
    details: {
      ...(options.details ? options.details(c) : {}),
      ...(call.error ? { error: call.error.code } : {}),
    },
  };
}

@Injectable()
export class AuditedInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<AuditedMeta | undefined>(AUDITED, context.getHandler());
    if (!meta) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const base = {
      params: (request.params ?? {}) as Record<string, string | undefined>,
      body: (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>,
    };
    const write = (result: Record<string, unknown> | undefined, outcome: AuditOutcome, error?: ApiError) =>
      this.audit.record(
        auditRecordFor(
          meta,
          { ...base, result },
          { actor: request.principal?.keyId ?? 'anonymous', requestId: request.id, outcome, error },
        ),
      );
    return next.handle().pipe(
      mergeMap((result: unknown) =>
        from(write(result as Record<string, unknown> | undefined, 'success').then(() => result)),
      ),
      catchError((err: unknown) => {
        const apiError = knownProblem(err);
        const outcome = apiError?.code === 'forbidden' ? 'denied' : 'failure';
        // The original error is what the caller must see, even if the audit write itself fails.
        return from(write(undefined, outcome, apiError).catch(() => undefined)).pipe(
          mergeMap(() => throwError(() => err)),
        );
      }),
    );
  }
}
